"""``python -m lakegate_cli``: the same as the ``lakegate`` command."""

from lakegate_cli.main import main

raise SystemExit(main())
