"""The Retriever: one served index version and what is derived from it once, for every question.

It holds state, not the algorithm: the loaded version (passages, vectors, BM25, content), the question
reader built from its words and lexicon, the knobs (``Tuning``), the question embedder and the optional
cross-encoder, and memo tables of static facts about passages (their stems, terms, the facts they give).
The stages that answer a question read it: ``ranking.py`` runs them in order, ``answer.py`` the rest.
Nothing a question does changes what another question sees, so threads share one Retriever.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import numpy as np

from qa_service.core.chunking import Passage
from qa_service.core.content import Content, default_content
from qa_service.core.encoder import Encoder, MultilingualModel, QueryEmbedder, searched_dimension
from qa_service.core.expected_effects import expected_in, expected_sentences
from qa_service.core.highlights import passage_terms
from qa_service.core.languages import PIVOT
from qa_service.core.lexical import LexicalIndex, corpus_words, lexical_documents
from qa_service.core.lexicon import AnswerType
from qa_service.core.loaded_index import LoadedIndex
from qa_service.core.query import Query, QueryReader
from qa_service.core.rerank import Reranker
from qa_service.core.terms import content_stems
from qa_service.core.tuning import ALWAYS, NEVER, Tuning
from qa_service.core.warning_signs import WarningSign, signs_in

MEMO = 50_000  # passages whose static facts are kept between questions
WARNING_SCAN = 20_000  # passages whose warning signs the console lists


SUBJECT_TITLE_WORDS = 4  # a subject's name ("Hashimoto thyroiditis"), not an article's headline


@lru_cache(maxsize=100_000)
def _title_stems(title: str, language: str) -> frozenset[str]:
    return frozenset(content_stems(title, language))


class Retriever:
    """A served version: searched by the ranking stages, read by the answer."""

    def __init__(
        self,
        loaded: LoadedIndex,
        encoder: Encoder,
        tuning: Tuning | None = None,
        embed_query: QueryEmbedder | None = None,
        reranker: Reranker | None = None,
        multilingual: MultilingualModel | None = None,
    ) -> None:
        """``embed_query`` embeds one question (the runtime passes a cached one); default: the encoder's.
        ``reranker`` rescores the learned fusion's leading candidates (none: the first stage decides).
        ``multilingual``: the model of the multilingual stage, used when this version keeps its store."""
        self.loaded = loaded
        self.encoder = encoder
        self.reranker = reranker
        self.multilingual = multilingual if loaded.multilingual is not None else None
        self.multilingual_cosines = lru_cache(maxsize=256)(self._multilingual_cosines)
        self.embed_query: QueryEmbedder = embed_query or (lambda text: encoder.encode_queries([text]))
        # A paired encoder: the first model's part of a question vector is searched (the FAISS index holds
        # only its passage vectors); the second's part meets the second model's own store (loaded.second).
        self.split = searched_dimension(encoder)
        self.tuning = tuning or Tuning()
        self.passages = loaded.passages
        self.version = loaded.version
        self._rows = {p.id: i for i, p in enumerate(self.passages)}
        # Saved with the version since its format allows it; older versions are indexed here, in memory.
        self.lexical = loaded.lexical or LexicalIndex(lexical_documents(self.passages))
        self.content: Content = loaded.content or default_content()
        self.reader = QueryReader(
            loaded.words if loaded.words is not None else corpus_words(self.passages), self.content.lexicon
        )
        # Static facts about passages, computed on first use and kept (bounded) for later questions.
        self.passage_terms = lru_cache(maxsize=MEMO)(lambda row: passage_terms(self.passages[row].text))
        # What a passage says, a joined lead-in left out: near-duplicates are compared on it.
        self.text_stems = lru_cache(maxsize=MEMO)(
            lambda row: frozenset(
                content_stems(self.passages[row].text[self.passages[row].lead_in :], self.passages[row].language)
            )
        )
        # The warning signs a passage lists (``warning_signs``), read with the version's own rules.
        self.warning_signs = lru_cache(maxsize=MEMO)(lambda row: signs_in(self.passages[row], self.content.rules))
        # The after-effects a passage calls expected (``expected_effects``), read the same way.
        self.expected_effects = lru_cache(maxsize=MEMO)(lambda row: expected_in(self.passages[row], self.content.rules))
        self._facts: dict[tuple[str, int], bool] = {}  # (answer type, row): at most types x passages

    def row_of(self, passage_id: str) -> int | None:
        """The row of a passage by id (for translations and pins), or None when this version lacks it."""
        return self._rows.get(passage_id)

    def read(self, question: str, language: str | None = None) -> Query:
        """The question as the stages read it (language, stems, concepts, answer type)."""
        return self.reader.read(question, language)

    def vectors(self, rows: list[int]) -> np.ndarray:
        """Passages' vectors as searched (the first model's)."""
        return self.loaded.vectors.vectors(rows)

    def question_vector(self, text: str) -> np.ndarray:
        """The searched part of a question's (1, d) vector, as passages' ``vectors`` (grouping questions)."""
        return self.embed_query(text)[:, : self.split]

    def title_stems(self, row: int) -> frozenset[str]:
        passage = self.passages[row]
        return _title_stems(" ".join((passage.document_title, *passage.also_called)), passage.language)

    @cached_property
    def library_warning_signs(self) -> list[tuple[Passage, WarningSign]]:
        """The warning signs the version's articles list, in their order (the console shows them), read in
        the first WARNING_SCAN passages: reading one takes ~0.06 ms (8,855 consumer-health passages in
        0.57 s), and a page must not wait a minute on a million-passage library (``qa-service inspect``
        lists any article's)."""
        return [(self.passages[row], sign) for row in self._console_rows() for sign in self.warning_signs(row)]

    @cached_property
    def library_expected_effects(self) -> list[tuple[Passage, str]]:
        """The sentences in which the version's articles call an after-effect expected, in their order (the
        console shows them beside the warning signs), read in the same first WARNING_SCAN passages."""
        config = self.content.rules
        return [
            (self.passages[row], sentence)
            for row in self._console_rows()
            for sentence, _ in expected_sentences(self.passages[row], config)
        ]

    def _console_rows(self) -> range:
        """The passages the console reads the articles' safety sentences in: the first WARNING_SCAN."""
        return range(min(len(self.passages), WARNING_SCAN))

    def holds(self, kind: AnswerType, row: int) -> bool:
        """Whether the passage gives the kind of fact asked for (a price, hours...)."""
        key = (kind.name, row)
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = kind.found_in(self.passages[row].text)
        return found

    def _multilingual_cosines(self, text: str) -> np.ndarray:
        """Every passage's cosine to the question, by the multilingual model (its own store)."""
        assert self.multilingual is not None and self.loaded.multilingual is not None
        question = self.multilingual.encode([text])[0]
        cosines: np.ndarray = self.loaded.multilingual @ question
        return cosines

    @cached_property
    def names_subjects(self) -> bool:
        """Whether the library is a collection of documents each named for one subject (Tuning's
        ``subject_library``): its questions name the subject they ask about, and its titles say which
        subjects it covers. A clinic's few articles, titled by what they explain, are not."""
        if self.tuning.subject_library in (ALWAYS, NEVER):
            return self.tuning.subject_library == ALWAYS
        titles: dict[str, int] = {}
        for row, passage in enumerate(self.passages):
            if passage.document_id not in titles:
                titles[passage.document_id] = len(self.title_stems(row))
        sizes = sorted(titles.values())
        return len(sizes) >= self.tuning.subject_library and sizes[len(sizes) // 2] <= SUBJECT_TITLE_WORDS

    @cached_property
    def crosses_languages(self) -> bool:
        """Whether some passage exists in no pivot-language version: a pivot question may need it."""
        return any(p.language != PIVOT and PIVOT not in dict(p.translations) for p in self.passages)

    @cached_property
    def pin_vectors(self) -> np.ndarray:
        """The staff pins' questions, read and embedded like a patient's, once per version."""
        pins = self.content.pins
        if not pins:
            return np.zeros((0, self.split), np.float32)
        return np.vstack([self.question_vector(self.read(pin.question).dense_text) for pin in pins])
