import sys

from mestring_cli.main import main

sys.exit(main())
