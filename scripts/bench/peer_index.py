"""Run by the peer's own Python (.venv-peer, txtai): index the service's passages with the same packaged
MiniLM, the way txtai's documentation builds an index, and save it where the API will load it.

    .venv-peer/bin/python scripts/bench/peer_index.py passages.jsonl <model folder> <index folder>
"""

import json
import sys

from txtai import Embeddings

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
embeddings = Embeddings(path=sys.argv[2], content=True)  # txtai[api]: its own transformers mean pooling
embeddings.index([(row["id"], row["text"], None) for row in rows])
embeddings.save(sys.argv[3])
print(json.dumps({"indexed": embeddings.count()}))
