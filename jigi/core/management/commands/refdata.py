from typing import Any

from jigi.core.management.base import JigiCommand, job_outcome


class Command(JigiCommand):
    help = "Reload Mali's regions, cercles and communes (OCHA COD-AB 2021) with a progress bar."

    def run(self, **options: Any) -> dict[str, Any]:
        return job_outcome(self.run_job_here("reference.load_areas"))
