"""``python -m qa_service.cli``: the same as the ``qa-service`` console script."""

import sys

from qa_service.cli import main

sys.exit(main())
