"""The `rejets` console command: Django's management commands, with the embedded profile by
default. `rejets factures import FICHIER` runs the `factures` command's `import` verb."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rejets.settings.embedded")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rejets", *sys.argv[1:]])


if __name__ == "__main__":
    main()
