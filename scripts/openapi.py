"""Write the OpenAPI schema to docs/openapi.json (the snapshot a test compares against)."""

import json
import os
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jigi.test_settings")
django.setup()

from jigi.api.api import api  # noqa: E402

target = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402

target.write_text(
    json.dumps(
        api.get_openapi_schema(),
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    + "\n"
)
print(f"wrote {target}")
