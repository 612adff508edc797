"""Property tests of the chunker: any Unicode input, offsets always round-trip, never over the window."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_service.core.chunking import chunk_document
from qa_service.core.documents import parse_document
from qa_service.core.encoder import Encoder

_blocks = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=300),
        st.builds(lambda t: f"## {t}", st.text(min_size=1, max_size=40)),
        st.builds(lambda t: f"- Item: {t}", st.text(min_size=1, max_size=200)),
        st.builds(lambda n: " ".join(["Redness fades within days."] * n), st.integers(1, 120)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=_blocks, markdown=st.booleans(), limit=st.integers(32, 256))
def test_offsets_round_trip_and_the_window_holds(
    encoder: Encoder, blocks: list[str], markdown: bool, limit: int
) -> None:
    source = "\n\n".join(blocks)
    try:
        doc = parse_document("a.md" if markdown else "a.txt", source.encode("utf-8", "surrogatepass"))
    except (ValueError, UnicodeEncodeError):
        return  # empty or binary-looking input is refused by the loader, by design
    passages = chunk_document(doc, encoder.count_tokens, limit)
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert encoder.count_tokens(p.embed_text) <= limit
    assert len({p.id for p in passages}) == len(passages)
