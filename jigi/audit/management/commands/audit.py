from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from jigi.audit.models import AuditHead
from jigi.core.management.base import JigiCommand, job_outcome


class Command(JigiCommand):
    help = "Verify the audit chain, or print its head (to record elsewhere as an anchor)."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every hash; name the first broken entry")
        verify.add_argument(
            "--anchor",
            help="SEQ:HASH printed earlier by `jigi audit head`, kept outside the database",
        )
        sub.add_parser("head", help="print the last sequence number and hash")

    def run(self, **options: Any) -> dict[str, Any]:
        if options["action"] == "head":
            head = AuditHead.objects.filter(id=1).first() or AuditHead(id=1)
            return {"ok": True, "seq": head.last_seq, "hash": head.last_hash}
        params: dict[str, Any] = {}
        if options.get("anchor"):
            seq, _colon, digest = options["anchor"].partition(":")
            if not seq.isdigit() or len(digest) != 64:
                raise CommandError(
                    "--anchor must look like 42:<64 hex characters> (from `jigi audit head`)."
                )
            params["anchor"] = [int(seq), digest]
        outcome = job_outcome(self.run_job_here("audit.verify", params))
        outcome.pop("status", None)
        return outcome

    def render(self, result: dict[str, Any]) -> None:
        if "hash" in result:
            self.stdout.write(f"{result['seq']}:{result['hash']}")
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
