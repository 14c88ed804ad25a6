"""`make report`: write the HTML report of the published run again, from its serving file."""

from __future__ import annotations

import sys

from ..settings import get_settings, private_files
from . import NothingPublished, write_current_report


def main() -> int:
    private_files()
    try:
        settings = get_settings()
        written = write_current_report(settings.data_dir, settings.publish_group)
    except (ValueError, NothingPublished) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2
    print(f"Report of run {written.run_folder.name}: {settings.data_dir / 'report' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
