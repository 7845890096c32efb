"""Issue 10's page modules, run in Chromium: every string in both languages (and every verdict of
the protocol with a message in both), the wedge's double-send / split / prefix logic, tote
colours, and what a changed task frame says."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any, get_args

import pytest
from playwright.async_api import BrowserContext, Page

from handheld_api.ws.protocol import VerdictWord
from tests.live import ServerProcess
from tests.static.conftest import PageErrors


@pytest.fixture
async def blank(web_nodes: list[ServerProcess], desktop: BrowserContext, page_errors: PageErrors) -> AsyncIterator[Page]:
    page = page_errors.watch(await desktop.new_page(), "modules")
    await page.goto(web_nodes[0].url + "/board/")
    yield page


async def run(page: Page, script: str) -> Any:
    return await page.evaluate(f"async () => {{ {script} }}")


async def test_every_string_and_every_verdict_in_both_languages(blank: Page) -> None:
    verdicts = list(get_args(VerdictWord))
    result = await run(blank, f"""
        const i18n = await import('/static/handheld/i18n.js');
        const {{ verdictMessage, verdictLabel, toneOf }} = await import('/static/handheld/feedback.js');
        const keys = {{en: Object.keys(i18n.STRINGS.en), zh: Object.keys(i18n.STRINGS['zh-CN'])}};
        const out = {{keys, messages: {{}}}};
        const expected = {{location: 'W1-A01-C01', sku: 'SKU1', quantity: 3, tote: 2, lot: 'L7'}};
        for (const language of ['en', 'zh-CN']) {{
          i18n.setLang(language);
          out.messages[language] = {verdicts}.map(v => [v, toneOf(v), verdictLabel(v), verdictMessage({{
            verdict: v, barcode: 'X', picked: 1, expected, tote: {{position: 2, label: 'TOTE-9'}},
            scanned_kind: 'tote', expected_kind: 'item', serial: 'S1'}})]);
        }}
        out.picked = verdictMessage({{verdict: 'ok', barcode: '0', picked: 1234, units: 1,
          expected: {{quantity: 5000}}}});
        i18n.setLang('en');
        return out;
    """)
    assert sorted(result["keys"]["en"]) == sorted(result["keys"]["zh"]), "a string missing in one language"
    for language, rows in result["messages"].items():
        for verdict, tone, label, message in rows:
            assert tone in ("ok", "warn", "bad"), verdict
            assert label and message and not message.startswith(("m.", "v.")), (language, verdict, message)
            if language == "zh-CN":  # no English words on a Chinese screen (codes and labels aside)
                words = re.sub(r"W1-A01-C01|SKU1|TOTE-9|L7|S1|\bX\b", "", message + label)
                assert not re.search(r"[A-Za-z]{2,}", words), (verdict, message)
    by_verdict = {row[0]: row[3] for row in result["messages"]["zh-CN"]}
    assert by_verdict["wrong_kind"] == "这是周转箱 — 请扫商品"
    assert by_verdict["wrong_tote"] == "周转箱错误 — 请放入 2 号箱（蓝色）"
    assert result["picked"] == "已拣 1,234 / 5,000"  # numbers in the picker's locale (the last language set)


async def test_wedge_double_send_split_value_and_affixes(blank: Page) -> None:
    result = await run(blank, """
        const { Wedge, stripAffixes } = await import('/static/handheld/wedge.js');
        const got = [];
        const w = new Wedge((b) => got.push(b), {joinMs: 30, dupMs: 120, settings: {prefix: '#', suffix: '*'}});
        w.feed('#4006381333931*', 0); w.feed('#4006381333931*', 4);   // double send: one scan
        w.flush();
        w.feed('#4006381333931*', 60);                                 // again 56 ms later: still the double
        w.feed('#01095011015300', 500); w.feed('0310LOT7*', 508);      // split by a stray Enter: joined
        w.flush();
        w.feed('#4006381333931*', 2000);                               // a real second scan, later
        w.flush();
        return {got, dropped: w.dropped, joined: w.joined, plain: stripAffixes('ABC', {prefix: 'X'})};
    """)
    assert result == {"got": ["4006381333931", "010950110153000310LOT7", "4006381333931"], "dropped": 2,
                      "joined": 1, "plain": "ABC"}


async def test_tote_colours_and_task_changes(blank: Page) -> None:
    result = await run(blank, """
        const { toteColour } = await import('/static/handheld/totes.js');
        const { describeChange } = await import('/static/handheld/changes.js');
        const step = (location, sku) => ({location, sku, quantity: 1, order_id: 'o', lot: ''});
        const before = {task_id: 't1', step: 0, steps: [step('A', 's1'), step('B', 's2'), step('C', 's3')]};
        return {
          colours: [1, 2, 9].map(toteColour),
          same: describeChange(before, {...before}),
          route: describeChange(before, {...before, steps: [step('A', 's1'), step('C', 's3'), step('B', 's2')]}),
          moved: describeChange(before, {...before, steps: [step('D', 's1'), step('B', 's2'), step('C', 's3')]}),
          other: describeChange(before, {task_id: 't2', step: 0, steps: [step('A', 's1')]}),
          taken: describeChange(before, null),
        };
    """)
    assert result["colours"] == ["#d62828", "#1d4ed8", "#d62828"]
    assert result["same"] is None
    assert result["route"]["key"] == "change.route"
    assert result["moved"] == {"key": "change.step", "params": {"location": "D"}}
    assert result["other"]["key"] == "change.reassigned"
    assert result["taken"]["key"] == "change.taken"


async def test_the_vendored_zxing_wasm_decodes_an_ean13(blank: Page) -> None:
    """The camera's fallback decoder (no BarcodeDetector): zxing-wasm from /static/vendor, served
    locally, reads an EAN-13 drawn on a canvas; the value goes to the scan path as is."""
    result = await run(blank, """
        const { makeDecoder } = await import('/static/handheld/camera.js');
        const L = ['0001101','0011001','0010011','0111101','0100011','0110001','0101111','0111011','0110111','0001011'];
        const G = ['0100111','0110011','0011011','0100001','0011101','0111001','0000101','0010001','0001001','0010111'];
        const R = ['1110010','1100110','1101100','1000010','1011100','1001110','1010000','1000100','1001000','1110100'];
        const P = ['LLLLLL','LLGLGG','LLGGLG','LLGGGL','LGLLGG','LGGLLG','LGGGLL','LGLGLG','LGLGGL','LGGLGL'];
        const code = '4006381333931';
        const d = [...code].map(Number);
        let bits = '101';
        for (let i = 1; i <= 6; i++) bits += (P[d[0]][i - 1] === 'L' ? L : G)[d[i]];
        bits += '01010';
        for (let i = 7; i <= 12; i++) bits += R[d[i]];
        bits += '101';
        const canvas = document.createElement('canvas');
        canvas.width = bits.length * 3 + 60; canvas.height = 120;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.fillStyle = '#000';
        [...bits].forEach((b, i) => { if (b === '1') ctx.fillRect(30 + i * 3, 10, 3, 100); });
        const decoder = await makeDecoder({native: false});
        const found = await decoder.detect(canvas);
        return {name: decoder.name, values: found.map(f => f.rawValue)};
    """)
    assert result["name"] == "zxing-wasm"
    assert result["values"] == ["]E04006381333931"]  # with its AIM symbology id: the server reads both
