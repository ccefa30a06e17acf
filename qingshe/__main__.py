"""The `qingshe` console script: Django's management commands under the project's name.

`qingshe demo`, `qingshe migrate`, `qingshe runserver` … behave as `manage.py <command>`.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshe.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "qingshe"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
