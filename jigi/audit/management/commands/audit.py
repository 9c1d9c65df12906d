from argparse import ArgumentParser
from typing import Any

from jigi.audit.models import AuditHead
from jigi.core.management.base import JigiCommand, job_outcome


class Command(JigiCommand):
    help = "Verify the audit chain, or print its head (to record elsewhere as an anchor)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute every hash; name the first broken entry")
        sub.add_parser("head", help="print the last sequence number and hash")

    def run(self, **options: Any) -> dict[str, Any]:
        if options["action"] == "head":
            head = AuditHead.objects.filter(id=1).first() or AuditHead(id=1)
            return {"ok": True, "seq": head.last_seq, "hash": head.last_hash}
        outcome = job_outcome(self.run_job_here("audit.verify"))
        outcome.pop("status", None)
        return outcome

    def render(self, result: dict[str, Any]) -> None:
        if "hash" in result:
            self.stdout.write(f"#{result['seq']} {result['hash']}")
        elif result.get("ok"):
            self.stdout.write(
                self.style.SUCCESS(f"Audit chain intact: {result['checked']} entries verified.")
            )
        elif "broken_seq" in result:
            self.stdout.write(
                self.style.ERROR(
                    f"Audit chain BROKEN at entry #{result['broken_seq']}: {result['reason']}."
                )
            )
        else:
            self.stdout.write(self.style.ERROR(f"Verification failed: {result.get('error')}"))
