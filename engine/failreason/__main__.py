"""``python -m failreason``: the same as the ``failreason`` command."""

from failreason._cli import main

raise SystemExit(main())
