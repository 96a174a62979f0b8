"""HTML report (issue 6): self-contained, escaped, the evidence side by side, filters that work in a real browser.

The browser tests drive Debian's headless ``chromium`` (installed by scripts/install_chromium.sh, run
here when it is missing) and read the DOM after the page's script has run; filters come from the URL
fragment. A screenshot is kept in $CLAIMCHECK_ARTIFACTS (default tests/artifacts/).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
from dataclasses import asdict, replace
from pathlib import Path
from urllib.parse import quote, unquote

import lxml.html
import pytest

from checker.config import Settings
from checker.ingest import read_articles
from checker.pipeline import Report, verify
from checker.report import RENDERERS, as_html
from checker.segment import segment
from checker.types import Article, Claim, Finding, Reason
from tests.conftest import ROOT, SEEDS

HOSTILE_ID = 'evil"><svg onload=alert(3)>'
HOSTILE_SOURCE = '"><img src=x onerror=alert(2)>'
HOSTILE_TITLE = "<script>alert('title')</script><img src=x onerror=\"document.title='pwned'\">"
CONTRA_TEXT = (
    "Bij de Iraanse raketaanval op de Al Asad-luchtmachtbasis in Irak zijn wel slachtoffers gevallen. "
    "Elf Amerikaanse militairen zijn gewond geraakt, meldt het Pentagon.\n\n"
    "🚀 Irak zegt dat de aanval niet vooraf was aangekondigd. "
    "Premier Adil Abdul-Mahdi zegt dat Teheran hem niet heeft gewaarschuwd over de aanval.")
HOSTILE_TEXT = (
    "De Amerikaanse minister zegt dat er <script>alert(1)</script> geen schade is aangericht bij de aanval. "
    "Iran vuurde <img src=x onerror=alert(1)> twaalf raketten af op twee bases in Irak.\n\n"
    "Het Pentagon onderzoekt de schade.")
# (verdict, score, first claim, second claim, reason codes): claims named by the start of their text
SAMPLE_FINDINGS = [
    ("contradiction", 0.93, "Er zijn vooralsnog geen slachtoffers", "Bij de Iraanse raketaanval", ("NEGATION",)),
    ("contradiction", 0.88, "De Iraakse premier Adil Abdul-Mahdi zegt", "Premier Adil Abdul-Mahdi", ("NEGATION",)),
    ("contradiction", 0.74, "Iran vuurde in de nacht", "Iran vuurde <img", ("QTY_MISMATCH",)),
    ("update", 0.81, "Het lijkt er dan ook op", "Elf Amerikaanse militairen", ("TIME_UPDATE",)),
    ("agreement", 0.95, "De Iraanse Revolutionaire Garde", "Iran vuurde in de nacht", ("NLI_ENTAILMENT",)),
    ("agreement", 0.66, "Er zijn onder meer raketten", "Bij de Iraanse raketaanval", ("NLI_ENTAILMENT",)),
]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=2000"]


def sample_report() -> Report:
    """The seed articles, an article that contradicts them and a hostile one, with hand-made findings."""
    seeds = [replace(a, source="NOS") for a in read_articles([str(SEEDS)])]
    articles = seeds + [
        Article("contra", CONTRA_TEXT, title="Toch gewonden bij Iraanse aanval", date="2020-01-17", source="NU.nl"),
        Article(HOSTILE_ID, HOSTILE_TEXT, title=HOSTILE_TITLE, date="2020-01-09", source=HOSTILE_SOURCE),
    ]
    articles = [replace(a, lang="nl") for a in articles]
    claims = segment(articles, Settings())

    def claim(prefix: str) -> Claim:
        return next(c for c in claims if c.text.startswith(prefix))

    findings = []
    for verdict, score, first, second, codes in SAMPLE_FINDINGS:
        a, b = sorted((claim(first), claim(second)), key=lambda c: c.key)
        findings.append(Finding(verdict, score, a, b, tuple(Reason(code, f"why {code}") for code in codes),
                                similarity=0.9))
    stats = {"articles": len(articles), "claims": len(claims), "candidate_pairs": 40, "nli_calls": 80,
             "contradictions": 3, "updates": 1, "agreements": 2, "seconds": 1.5}
    settings = {k: v for k, v in asdict(Settings()).items() if not isinstance(v, tuple)}
    return Report(articles, claims, findings, stats=stats, settings=dict(settings, claimcheck="0.1.0"))


def synthetic_report(n_findings: int = 1000, n_articles: int = 25, seed: int = 0) -> Report:
    """Articles of 3 paragraphs x 4 sentences and ``n_findings`` random findings between them."""
    rng = random.Random(seed)
    articles, claims = [], []
    for i in range(n_articles):
        text, spans = "", []
        for p in range(3):
            start = len(text)
            for s in range(4):
                sentence = f"Artikel {i} meldt in alinea {p} dat er {rng.randint(1, 99)} raketten vielen op basis {s}. "
                spans.append((len(text), len(text) + len(sentence) - 1, start))
                text += sentence
            text = text.rstrip() + "\n\n"
        article_id = f"a{i:02d}"
        articles.append(Article(article_id, text, title=f"Bericht {i}", date=f"2020-01-{i % 28 + 1:02d}", source="NOS"))
        for k, (s, e, p_start) in enumerate(spans):
            p_end = text.index("\n\n", s)
            claims.append(Claim(article_id, k, text[s:e], s, e, "nl", paragraph=(p_start, p_end)))
    findings = []
    for _ in range(n_findings):
        a, b = sorted(rng.sample(claims, 2), key=lambda c: c.key)
        while a.article_id == b.article_id:
            a, b = sorted(rng.sample(claims, 2), key=lambda c: c.key)
        verdict = rng.choice(["contradiction", "update", "agreement"])
        findings.append(Finding(verdict, round(rng.random(), 3), a, b, (Reason("NLI_CONTRADICTION", "p=0.9"),)))
    return Report(articles, claims, findings)


def settings_table(doc) -> dict[str, str]:
    cells = doc.xpath("//table[@class='settings']//th/text()"), doc.xpath("//table[@class='settings']//td/text()")
    return dict(zip(*cells, strict=True))


def write_page(report: Report, tmp_path: Path, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(as_html.render(report), encoding="utf-8")
    return path


def visible(report: Report, verdict: str = "", article: str = "", other: str = "", min_score: float = 0.0,
            story: str = "", outlet: str = "") -> list[str]:
    """Ids of the finding elements the page should show for these filters (the page's rule, restated)."""
    shown = []
    data = as_html.payload(report)
    for i, record in enumerate(data["findings"], 1):
        ids = {c["article"] for c in record["claims"]}
        if ((not verdict or record["verdict"] == verdict) and record["score"] >= min_score
                and (not article or article in ids) and (not other or other in ids)
                and (not story or record["story"] == story)
                and (not outlet or outlet in {data["outlets"][i] for i in ids})):
            shown.append(f"f{i}")
    return shown


# --- the page as text --------------------------------------------------------------------------


def test_report_html_is_registered_and_self_contained():
    page = RENDERERS["html"](sample_report())
    doc = lxml.html.document_fromstring(page)
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page), "no external resource"
    assert not doc.xpath("//link | //img | //iframe | //object | //script[@src]")
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert [s.get("type") for s in doc.xpath("//script")] == ["application/json", None]


def test_report_html_escapes_every_article_field():
    report = sample_report()
    page = as_html.render(report)
    doc = lxml.html.document_fromstring(page)
    assert "<script>alert" not in page and "<img" not in page and "<svg" not in page
    assert not doc.xpath("//img | //svg | //*[@onerror or @onload]")
    options = doc.xpath("//select[@name='article']/option/text()")
    assert any(HOSTILE_ID in o and HOSTILE_TITLE in o for o in options)
    columns = doc.xpath("//table[@class='matrix']//th[@scope='col']/text()")
    assert HOSTILE_SOURCE in columns  # the outlet as text, never as markup
    data = json.loads(doc.get_element_by_id("report-data").text)
    assert any("<img src=x onerror=alert(1)>" in c["text"] for f in data["findings"] for c in f["claims"])
    assert data["titles"][HOSTILE_ID] == HOSTILE_TITLE


def test_report_html_summary_settings_and_matrix():
    report = sample_report()
    doc = lxml.html.document_fromstring(as_html.render(report))
    cards = {li.get("class"): li.findtext("b") for li in doc.xpath("//ul[@class='cards']/li")}
    assert cards == {"articles": "4", "claims": str(len(report.claims)), "contradictions": "3", "updates": "1",
                     "agreements": "2"}
    settings = settings_table(doc)
    assert settings["nli_model"] == "claimcheck-nli" and settings["contradiction_threshold"] == "0.7"
    # stories x outlets: one story (the report names none), three outlets
    columns = doc.xpath("//table[@class='matrix']//th[@scope='col']/text()")
    assert columns == sorted(["NOS", "NU.nl", HOSTILE_SOURCE])
    rows = doc.xpath("//table[@class='matrix']/tbody/tr")
    assert len(rows) == 1 and rows[0].xpath("th/text()")[0].startswith("story-1: ")
    cells = dict(zip(columns, rows[0].xpath("td")))
    assert cells["NOS"].xpath("a/span/text()") == ["3", "1", "2"]  # contradictions, updates, agreements
    assert cells["NU.nl"].xpath("a/span/text()") == ["2", "1", "1"]
    assert cells[HOSTILE_SOURCE].xpath("a/span/text()") == ["1"]
    assert cells["NOS"].get("class") == "c5" and cells[HOSTILE_SOURCE].get("class") == "c2"
    assert cells["NOS"].xpath("a/@href") == ["#story=story-1&outlet=NOS"]


def test_report_html_counts_one_in_the_singular():
    """"1 article", never "1 articles": title, subtitle, cards, matrix and the unverified list (issue 14)."""
    report = sample_report()
    one = Report(report.articles[:3], report.claims, report.findings[:1], stats={"articles": 3, "contradictions": 1,
                                                                                 "unverified": {"x": "no claim"}})
    doc = lxml.html.document_fromstring(as_html.render(one))
    assert doc.findtext(".//title") == "claimcheck report: 3 articles, 1 contradiction"
    assert doc.xpath("//h1/following-sibling::p[1]/text()") == ["1 finding across 3 articles"]
    cards = {li.get("class"): li.xpath("text()") for li in doc.xpath("//ul[@class='cards']/li")}
    assert cards["articles"] == ["articles"] and cards["contradictions"] == ["contradiction"]
    assert cards["updates"] == ["updates"]
    assert doc.xpath("//div[@class='unverified']/h3/text()") == ["Unverified: 1 article could not be checked"]
    titles = [link.get("title") for link in doc.xpath("//table[@class='matrix']//td/a")]
    assert titles and all(t.endswith(": 1 contradiction, 0 updates, 0 agreements") for t in titles), titles
    alone = Report(report.articles[:1], [], [], stats={"articles": 1})
    assert lxml.html.document_fromstring(as_html.render(alone)).findtext(".//title") == ("claimcheck report: 1 article, "
                                                                                         "0 contradictions")


def test_report_html_context_is_the_paragraph_with_the_claim_marked():
    report = sample_report()
    texts = {a.id: a.text for a in report.articles}
    claims = {c.key: c for c in report.claims}
    data = as_html.payload(report)
    for record in data["findings"]:
        for claim, (snippet, start, end) in zip(record["claims"], record["context"], strict=True):
            text = data["snippets"][snippet]
            assert text.encode("utf-16-le")[2 * start:2 * end].decode("utf-16-le") == claim["text"]
            p_start, p_end = claims[(claim["article"], claim["index"])].paragraph
            assert text == texts[claim["article"]][p_start:p_end]
    assert [r["verdict"] for r in data["findings"]] == ["contradiction"] * 3 + ["update"] + ["agreement"] * 2


def test_report_html_long_paragraph_is_cut_around_the_claim():
    words = " ".join(f"woord{i}" for i in range(400))
    text = f"{words}. Dit is de bewering die telt. {words}."
    start = text.index("Dit")
    claim = Claim("x", 0, "Dit is de bewering die telt.", start, start + 28, "nl", paragraph=(0, len(text)))
    snippet, s, e = as_html.context(claim, Article("x", text))
    assert snippet[s:e] == claim.text and snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= 2 * as_html.CONTEXT_CHARS + len(claim.text) + 2
    assert " woord" in snippet and not snippet[1].isspace()
    bare = as_html.context(replace(claim, paragraph=(0, 0)), Article("x", text))
    assert bare == (claim.text, 0, len(claim.text))


def test_report_html_empty_report():
    doc = lxml.html.document_fromstring(as_html.render(Report([], [], [])))
    assert doc.xpath("//section[@id='clashes']/p[@class='muted']/text()")[-1].startswith("Fewer than two articles")
    assert json.loads(doc.get_element_by_id("report-data").text)["findings"] == []


def test_report_html_1000_findings_stay_small():
    report = synthetic_report()
    page = as_html.render(report)
    assert len(page.encode()) < 1_500_000, len(page.encode())
    data = as_html.payload(report)
    assert len(data["findings"]) == 1000 and len(data["snippets"]) == 75


def test_report_html_renders_a_pipeline_report(tiny_models):
    articles = [replace(a, lang="nl") for a in read_articles([str(SEEDS)])]
    report = verify(articles, Settings(device="cpu", pair_threshold=0.0), tiny_models)
    doc = lxml.html.document_fromstring(as_html.render(report))
    settings = settings_table(doc)
    assert settings["nli_model"] == tiny_models.nli.name and settings["embed_model"] == tiny_models.embedder.name
    data = json.loads(doc.get_element_by_id("report-data").text)
    assert len(data["findings"]) == len(report.findings)


# --- the page in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; installed with scripts/install_chromium.sh when missing, else the test is skipped."""
    path = shutil.which("chromium")
    if path is None:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "install_chromium.sh")], capture_output=True,
                              text=True, timeout=900)
        path = shutil.which("chromium")
        if path is None:
            pytest.skip("chromium is not installed and scripts/install_chromium.sh could not install it: "
                        + (done.stderr.strip()[-400:] or f"exit {done.returncode}"))
    return path


def browse(chromium: str, tmp_path: Path, url: str, *args: str) -> str:
    """Run headless chromium on ``url`` with a fresh profile and no network; its stdout."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom(chromium: str, tmp_path: Path, page: Path, fragment: str = ""):
    return lxml.html.document_fromstring(browse(chromium, tmp_path, page.as_uri() + fragment, "--dump-dom"))


def shown(doc) -> list[str]:
    return [li.get("id") for li in doc.xpath("//ol[@id='findings']/li") if li.get("hidden") is None]


def test_report_html_in_browser_shows_findings_as_text(chromium, tmp_path):
    report = sample_report()
    doc = dom(chromium, tmp_path, write_page(report, tmp_path))
    items = doc.xpath("//ol[@id='findings']/li")
    assert len(items) == len(report.findings) == len(shown(doc))
    assert doc.get_element_by_id("shown").text == "showing 6 of 6 findings"
    marks = [m.text_content() for m in doc.xpath("//ol[@id='findings']//mark")]
    assert sorted(marks) == sorted(c.text for f in report.findings for c in f.claims)
    assert "Iran vuurde <img src=x onerror=alert(1)> twaalf raketten af op twee bases in Irak." in marks
    assert "🚀 Irak zegt dat de aanval niet vooraf was aangekondigd. " in doc.xpath("//p[@class='ctx']/text()")
    assert HOSTILE_TITLE in doc.xpath("//div[@class='title']/text()")
    assert any('"><img src=x onerror=alert(2)>' in m.text_content() for m in doc.xpath("//div[@class='meta']"))
    assert not doc.xpath("//img | //svg | //*[@onerror or @onload]")
    assert len(doc.xpath("//script")) == 2 and doc.findtext(".//title") != "pwned"
    first = items[0]
    assert first.get("class") == "finding contradiction"
    assert first.xpath(".//span[@class='score']/text()") == ["score 0.93"]
    assert first.xpath(".//div[@class='meta']/b/text()") == ["NOS", "NU.nl"]  # outlets a reader knows, ids after
    assert "NOS · 2020-01 · 000_045f236b697109b6" in first.xpath(".//div[@class='meta']")[0].text_content()
    assert first.xpath(".//ul[@class='reasons']//code/text()") == ["NEGATION"]


@pytest.mark.parametrize("fragment, filters", [
    ("#verdict=contradiction", {"verdict": "contradiction"}),
    ("#min=0.9", {"min_score": 0.9}),
    ("#verdict=agreement&min=0.7", {"verdict": "agreement", "min_score": 0.7}),
    ("#article=contra", {"article": "contra"}),
    ("#article=contra&other=000_045f236b697109b6", {"article": "contra", "other": "000_045f236b697109b6"}),
    ("#article=" + quote(HOSTILE_ID, safe=""), {"article": HOSTILE_ID}),
    ("#verdict=update&article=004_91b7de1fc477113f", {"verdict": "update", "article": "004_91b7de1fc477113f"}),
])
def test_report_html_in_browser_filters_from_the_url(chromium, tmp_path, fragment, filters):
    report = sample_report()
    doc = dom(chromium, tmp_path, write_page(report, tmp_path), fragment)
    expected = visible(report, **filters)
    assert shown(doc) == expected
    assert doc.get_element_by_id("shown").text == f"showing {len(expected)} of 6 findings"
    assert (doc.get_element_by_id("none").get("hidden") is None) == (not expected)


def test_report_html_in_browser_matrix_links_filter_the_findings(chromium, tmp_path):
    report = sample_report()
    page = write_page(report, tmp_path)
    links = lxml.html.document_fromstring(page.read_text()).xpath("//table[@class='matrix']//a/@href")
    assert len(links) == 3  # one story, three outlets with findings
    for href in links[:2]:
        cell = {k: unquote(v) for k, v in (p.split("=") for p in href[1:].split("&"))}
        assert shown(dom(chromium, tmp_path, page, href)) == visible(report, **cell)


def add_script(page: Path, script: str, allow: bool) -> None:
    """Append a script to the page; ``allow`` adds its hash to the page's Content-Security-Policy."""
    text = page.read_text().replace("</body>", f"<script>{script}</script></body>")
    if allow:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        text = text.replace("script-src ", f"script-src 'sha256-{digest}' ", 1)
    page.write_text(text)


def test_report_html_in_browser_csp_blocks_injected_script(chromium, tmp_path):
    page = write_page(sample_report(), tmp_path)
    add_script(page, "document.title = 'pwned';", allow=False)
    doc = dom(chromium, tmp_path, page)
    assert doc.findtext(".//title") != "pwned" and len(shown(doc)) == 6


def test_report_html_in_browser_controls_filter_and_update_the_url(chromium, tmp_path):
    report = sample_report()
    page = write_page(report, tmp_path)
    add_script(page, """
      function set(name, value) {
        var control = document.getElementById("filters").elements[name];
        control.value = value;
        control.dispatchEvent(new Event("input", {bubbles: true}));
      }
      set("verdict", "agreement");
      set("min", "0.9");
      document.body.dataset.hash = location.hash;
    """, allow=True)
    doc = dom(chromium, tmp_path, page)
    assert shown(doc) == visible(report, verdict="agreement", min_score=0.9) == ["f5"]
    assert doc.body.get("data-hash") == "#verdict=agreement&min=0.9"


def test_report_html_in_browser_1000_findings_filter(chromium, tmp_path):
    report = synthetic_report()
    page = write_page(report, tmp_path)
    doc = dom(chromium, tmp_path, page, "#verdict=contradiction&article=a03&min=0.25")
    expected = visible(report, verdict="contradiction", article="a03", min_score=0.25)
    assert len(doc.xpath("//ol[@id='findings']/li")) == 1000
    assert shown(doc) == expected and 0 < len(expected) < 100


def test_report_html_in_browser_counts_one_finding_in_the_singular(chromium, tmp_path):
    report = sample_report()
    doc = dom(chromium, tmp_path, write_page(replace(report, findings=report.findings[:1]), tmp_path))
    assert doc.get_element_by_id("shown").text == "showing 1 of 1 finding"


def test_report_html_in_browser_screenshot(chromium, tmp_path):
    page = write_page(sample_report(), tmp_path)
    png = tmp_path / "report.png"
    browse(chromium, tmp_path, page.as_uri(), f"--screenshot={png}", "--window-size=1280,2000",
           "--hide-scrollbars")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    artifacts = Path(os.environ.get("CLAIMCHECK_ARTIFACTS") or ROOT / "tests" / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(png, artifacts / "report.png")
