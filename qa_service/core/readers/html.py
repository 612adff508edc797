"""Web pages saved from the clinic's site: the main content as Markdown (trafilatura), without the page's
navigation, cookie banner, promotions, scripts and footer; the canonical URL and the title kept."""

from __future__ import annotations

import re

import lxml.html
import trafilatura

from qa_service.core.languages import is_registered
from qa_service.core.readers.extracted import Extracted

# Elements a page builder names after what they are: never patient education. trafilatura drops most site
# furniture by itself; these are the ones it keeps when they sit inside the article.
_CLUTTER = re.compile(
    r"(^|[-_ ])(cookie|consent|gdpr|banner|promo|promotion|offer|newsletter|subscribe|signup|advert|ads?|"
    r"sponsor|share|social|breadcrumb|related|comments?|popup|modal|cta)([-_ ]|$)",
    re.IGNORECASE,
)


def _without_clutter(raw: bytes) -> tuple[str, list[str]]:
    """The page with clutter elements removed, and one line per removed element (what and why)."""
    tree = lxml.html.fromstring(raw)
    dropped = []
    for element in list(tree.iter()):
        if not isinstance(element.tag, str):
            continue
        names = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
        if element.tag in ("nav", "footer", "aside", "script", "style", "noscript", "form") or _CLUTTER.search(names):
            parent = element.getparent()
            if parent is not None:
                text = " ".join(element.text_content().split())[:60]
                if text:
                    dropped.append(f"<{element.tag} {names.strip()}>: {text}")
                parent.remove(element)
    return lxml.html.tostring(tree, encoding="unicode"), dropped


def extract_html(raw: bytes) -> Extracted:
    """Main content as Markdown; raises ValueError when the page holds no article text."""
    try:
        cleaned, dropped = _without_clutter(raw)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ValueError(f"not a readable HTML page: {exc}") from None
    text = trafilatura.extract(
        cleaned,
        output_format="markdown",
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_tables=True,
        favor_precision=True,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise ValueError("the page has no main article text (only navigation or scripts?)")
    metadata = trafilatura.extract_metadata(raw)
    tree = lxml.html.fromstring(raw)
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    title = tree.findtext(".//title")
    language = (tree.get("lang") or "").strip().lower()[:2] or None
    return Extracted(
        text=text.strip() + "\n",
        title=(metadata.title if metadata and metadata.title else None) or (title.strip() if title else None),
        url=str(canonical[0]).strip() if canonical else None,
        language=language if is_registered(language) else None,
        dropped=tuple(dropped),
    )
