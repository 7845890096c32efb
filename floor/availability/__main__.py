"""``python -m floor.availability check``: see :mod:`floor.run.availability`."""

import sys

from floor.run.availability import main

sys.exit(main())
