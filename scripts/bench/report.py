"""The notes printed under the figures in docs/PERFORMANCE.md: how to read them."""

NOTES = """## Reading the figures
- The floor is fixed: what the design's plain implementation pays for every new question, plain
  sentence-transformers with all-MiniLM-L6-v2 (torch, 2 threads) encoding it. It does not grow with what the
  pipeline runs (until 2026-12-07 it added every model the pipeline ran, so a slower pipeline read as a
  better ratio); the default and every opt-in are priced against it. The service's p50 includes HTTP, JSON,
  BM25, fusion, highlights, triage, the query log and metrics on top of its own encoder.
- The default serves with one small model (MiniLM, int8 questions). The opt-ins, `QA_SECOND_MODEL` and
  `QA_RERANKER`, are priced in their own table, each on a server started with that one setting changed; their
  gains are in docs/QUALITY.md. The second model is measured once `make second-model` has installed it.
- The peer is txtai's API server, installed by `make bench` in `.venv-peer` (pinned in
  `scripts/bench/peer-requirements.txt`), started with uvicorn and the service's worker count, indexing the
  served index's passages with the same packaged MiniLM; it runs torch with its own default threads.
- Start-up: "server launch" is `qa-service serve` to its first answer on a built index; "`make serve`" adds
  make's set-up check and `build-index --if-missing`, which checks the live version's model and checksums
  without loading the model or the index (≈ 0.15 s: the model's identity is read from its export's
  metadata; before 2026-12-07 23:00 it loaded the encoder and the readers' imports, ≈ 0.55 s). A worker's
  start: imports ≈ 0.6 s (Flask, onnxruntime, FAISS, bm25s with SciPy, wordfreq), the int8 question model
  ≈ 0.15 s, the content files and the version ≈ 0.05 s, and a warm-up answer per language (≈ 0.2 s, mostly wordfreq's English and French lists) so no patient pays for
  them; the two workers start side by side.
- Memory per idle worker (RSS, measured on 2026-12-07): Python and the libraries ≈ 110 MB (numpy 14, Flask
  16, onnxruntime 20, FAISS 14, bm25s and SciPy 16, wordfreq 5), the int8 question model ≈ 80 MB (59 MB of
  weights, of which MiniLM's 47 MB fp32 word-embedding table, plus the session), the tokenizer ≈ 13 MB,
  wordfreq's English and French frequency lists ≈ 62 MB, the default index ≈ 1 MB. A worker of a freshly
  installed virtual environment reads ≈ 20 MB more (the fresh clones' 294 + 287 MB against 272 MB from the
  working tree's older one, on 0951580 and on a6aaa89 alike): the same package versions, but the shared
  libraries' files are still whole in the page cache, so more of their pages are mapped when first touched
  (onnxruntime +7 MB, FAISS +7 MB, numpy and OpenBLAS +4 MB in `/proc/<pid>/smaps`, A/B in one sitting).
- The multilingual stage (`QA_MULTILINGUAL=use`, default since 2026-12-07 evening) costs a worker ≈ 120 MB
  (USE v3's 65 MB uint8 embedding table, its other weights ≈ 14 MB, the pure-Python SentencePiece model) and
  1.0 s to load (measured in one process). A worker loads it in its warm-up when the library holds passages
  in more than one language, else on its first French question: on the clinic's English-only `documents/`
  the idle figure above does not include it, "after N requests" does for the worker that answered the French
  questions, and the French p90 carries each worker's one-time load. Loaded, a French question costs ≈ 2 ms
  more than an English one in the stage (its question vector and a dot product per passage).
- The build figures above embed with MiniLM only; the CLI's and the console's builds also embed every passage
  with the multilingual model for its store, at ≈ 260 passages/s on 1 thread (366 clinic-library passages in
  1.4 s, measured in one process): about as much again as MiniLM's passage path.
- The same day's runs move more than the targets' margins (2026-12-07, this AMD EPYC machine, default
  settings; floor / p50 ÷ floor / 8 clients ÷ (cores ÷ floor) / `make serve` / txtai's 8-client throughput):
  15:12 (`--quick`) 13.5 ms / 0.40 / 2.20 / 1.49 s / 54 req/s (ours 6.0 ×); 15:40 11.7 ms / 0.50 / 1.76 /
  1.52 s / 54 req/s (5.6 ×); 16:13 10.7 ms / 0.48 / 1.95 / 1.41 s / 105 req/s (3.5 ×); after issue 29's
  stages (the same answers), 18:13 15.3 ms / 0.43 / 1.94 / 2.14 s / 93 req/s (2.7 ×); 18:57 19.5 ms / 0.39 /
  2.65 / 1.67 s / 50 req/s (5.5 ×); 19:07 15.1 ms / 0.46 / 2.46 / 1.74 s / 109 req/s (3.0 ×); with the
  multilingual stage, 21:11 10.2 ms / 0.44 / 2.03 / 1.82 s / 114 req/s (3.5 ×); after the lighter check
  before serving, 23:22 18.9 ms / 0.39 / 3.06 / 1.83 s / 95 req/s (3.4 ×); 2026-12-08, after the service and
  subject rules, 02:26 (the table) 10.0 ms / 0.41 / 2.16 / 1.30 s / 54 req/s (8.0 ×); 02:58, a fresh clone of
  the same commit, 11.1 ms / 0.42 / 2.18 / 1.45 s / 90 req/s (4.3 ×); after stop 38's reading and safety
  changes, fresh clones of 0951580, 04:49 11.7 ms / 0.44 / 2.15 / 1.37 s / 58 req/s (6.4 ×, without the
  consumer-health build: that clone could not reach `../shared`) and 05:01 (the table) 12.6 ms / 0.41 / 2.28 /
  1.41 s / 59 req/s (6.1 ×): txtai's own throughput moves most.
  The evening's floor ran 1.4-1.8 × the afternoon's, and start-up with it: a worker's start measured A/B
  against 87e244f in one sitting (create_app and a first answer, farm-bench, 7 pairs) costs the same CPU
  (ratio 1.00), so the slower start-up is the machine's. A new
  question costs a worker ≈ 5 ms of CPU: the int8 encoder ≈ 2.7–3.5 ms (16–24 tokens; onnxruntime's fused
  int8 kernels, measured against OpenVINO bf16 3.6 ms and fp32 5.3 ms on this CPU), the answer path ≈ 0.7 ms,
  Flask with its limiter, metrics and query log ≈ 0.8 ms, gunicorn ≈ 0.4 ms; so 8 clients on 2 cores top
  out near 2 × cores ÷ floor, and the encoder is where a larger margin has to come from.
- One-client latency: wrk with 1 thread and 1 keep-alive connection sends each new question once (a Lua
  script reads them from a file; the bench ends wrk after the last answer). It is measured once every worker
  has finished starting (CPU idle) and after 100 discarded new questions. The http.client row sends other
  new questions through Python's client, which adds its own request building and parsing (0.1–0.4 ms on
  these 2 cores, shared with the server): the method of the runs before 2026-11-29 14:00 UTC.
- Two server changes after 14:21, each measured A/B on the live server (wrk, 1 connection): the gunicorn
  worker's keep-alive fast path (`qa_service/gunicorn_worker.py`: the thread that answered serves the
  connection's next request if it comes within 2 ms, instead of two thread hand-offs through gunicorn's
  poller) took new questions from 3.8–4.2 to 3.3–3.4 ms and cache hits from 0.77–0.80 to 0.46–0.49 ms;
  the query log queued and written by a background thread (instead of scrubbing and one SQLite transaction
  inside each request) took cache hits from 1.03 to 0.76–0.78 ms.
- Where a new question's time goes (14:35, one client): `took_ms` (reading, embedding, search, triage,
  highlights inside the worker) p50 2.92 ms, of which the int8 encoder ≈ 1.9 ms; HTTP, gunicorn, Flask
  and JSON ≈ 0.5 ms (wrk p50 3.44 ms).
- A repeated question is served from the answer cache (`QA_ANSWER_CACHE_SIZE`); with that cache off, the
  question-embedding cache alone gives 1.14 ms p50 (14:35, wrk).
- Figures move with the machine's load from other tenants (the floor measured 8.05 ms at 13:04, 9.19 ms at
  14:21 and 12.3 ms at 11:58 the same day): compare ratios taken in one run, as the table does.
- `QA_INDEX_KIND=auto` keeps exact search below 100,000 passages and switches to HNSW above (1 M flat search
  has a p99 of ≈ 200 ms; HNSW ≈ 1.4 ms at recall@10 ≈ 0.9 against exact search).
- "hybrid retrieval" is what a question costs after its embedding at that size: the vector search of the kind
  `QA_INDEX_KIND=auto` serves, BM25's top candidates (a partial selection, not a sort of every score) and
  the word coverage of the candidate pool, read from BM25's posting lists.
- BM25 is built once, at build time, and saved in the version folder with the corpus words; a worker
  memory-maps it when it loads the version ("load" column; before, every worker rebuilt it and stemmed every
  passage on every swap). Vectors and passages are still read into each worker's memory: see
  docs/DEPLOYMENT.md for the next step at 1 M passages and beyond.

## Encoder choices
Passages are embedded in full precision once, at build time (onnxruntime fp32; large batches on OpenVINO
with bf16 matrix units when the CPU has them, cosine ≥ 0.9999 to fp32); the choice is how a question is
embedded, on every request.
`scripts/compare_encoders.py` (2026-11-29 12:10 UTC; 68 dev + holdout questions, 1 intra-op thread, in-process):

| question encoder | per question | cosine to fp32 (min / mean) | dev recall@3 / MRR | holdout recall@3 / MRR / answered |
|---|---|---|---|---|
| ONNX fp32 (`QA_ENCODER=onnx`) | 4.44 ms | 1.0000 | 1.000 / 0.978 | 0.944 / 0.826 / 1.000 |
| ONNX int8, smoothed + per-channel (`QA_ENCODER=onnx-int8`, default) | 2.04 ms | 0.9971 / 0.9981 | 1.000 / 0.978 | 0.944 / 0.838 / 1.000 |
| ONNX int8, plain dynamic quantisation (one scale per activation tensor) | 2.01 ms | 0.9281 / 0.9595 | 1.000 / 0.978 | 0.944 / 0.807 / 0.944 |

The recipe (`onnx_export.quantized`): SmoothQuant factors (α = 0.75) from the activations of the generic
texts in `qa_service/core/data/calibration.txt` are folded into the fp32 weights (same function, checked by
a test), then every weight matrix gets per-channel int8 weights and dynamic int8 activations.
Tried and not adopted (in-process, same machine, same day): sentence-transformers on torch 1 / 2 threads
14.8 / 9.1 ms; fp32 with the transformer optimizer's fusions 4.1–5.7 ms (no gain, with or without fused
attention); OpenVINO 2026.4 fp32 7.0 ms, bf16 (AMX) 4.3 ms; per-channel int8 without smoothing 2.0 ms (cosine
0.986, holdout recall@3 0.889); the same with block-wise int8 (MatMulNBits) on the feed-forward
down-projections 2.6 ms (cosine 0.993; an earlier recipe); block-wise int8 everywhere
3.5 ms (cosine 0.999); two intra-op threads 2.4 vs 2.7 ms (and worse under load).
Also tried at 14:00–14:30 (raw session time per question, same questions): the int8 recipe on an eager-attention
export fused by the transformer optimizer (QAttention, 124 nodes instead of 825) 1.88 vs 1.95 ms, same
cosines (min 0.9955), not worth a second export path; per-tensor int8 weights 1.95 ms but cosine min 0.74;
fixed input shapes (all shape arithmetic folded) slower (2.3 vs 2.0 ms at 24 tokens); OpenVINO bf16 with a
fixed 16-token shape 1.8 ms. A single-question tokenizer/pooling path and running triage beside the encoder
in a second thread measured no gain on the live server.
"""
