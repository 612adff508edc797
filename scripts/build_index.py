#!/usr/bin/env python3
"""Rebuild the index: the same code as `qa-service build-index` (all its flags apply)."""

import sys

from qa_service.cli import main

if __name__ == "__main__":
    sys.exit(main(["build-index", *sys.argv[1:]]))
