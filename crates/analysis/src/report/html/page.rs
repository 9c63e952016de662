//! The document around the sections: doctype, inline style sheet, title and sections.
//! Nothing is fetched: no script, no font, no image outside the page.

use super::fmt::esc;

/// The style sheet: light, print-friendly, system fonts only.
const STYLE: &str = r#"
:root { --approve: #2e7d32; --review: #e0a100; --reject: #c62828; --champion: #1f5fa8;
  --challenger: #d9730d; --policy: #1f5fa8; --ink: #1d2430; --muted: #5f6b7a; --line: #d8dee6; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: #fff; margin: 0; padding: 24px 32px 48px; max-width: 1360px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 12px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
section { margin: 22px 0 8px; break-inside: avoid; page-break-inside: avoid; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.row > * { flex: 1 1 520px; min-width: 0; }
.row > .chart { flex: 0 1 560px; }
.row > p.note { flex: 0 1 320px; }
svg.chart { width: 100%; max-width: 640px; height: auto; display: block; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 0 0 8px; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: middle; }
td { white-space: nowrap; }
td.msg { white-space: normal; }
.row > div { overflow-x: auto; }
th { font-weight: 600; background: #f4f6f9; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td small { color: var(--muted); }
.note { color: var(--muted); font-style: italic; }
.muted { fill: var(--muted); font-size: 12px; }
svg text { font-size: 12px; fill: var(--ink); }
svg text.small { font-size: 11px; }
svg text.label { font-size: 12px; font-weight: 600; }
svg text.on-bar { fill: #fff; font-size: 11px; font-weight: 600; }
.grid { stroke: #eef1f5; stroke-width: 1; }
.axis { stroke: #8a94a3; stroke-width: 1; }
.track { fill: #eef1f5; }
.legend-bg { fill: #fff; fill-opacity: .85; }
rect.approve, .legend .approve { fill: var(--approve); }
rect.review { fill: var(--review); }
rect.reject { fill: var(--reject); }
rect.bad { fill: #c44e52; }
rect.good { fill: #7a9cc6; }
rect.unlabelled { fill: #c9d1db; }
rect.fill { fill: #5b7fa8; }
.cut { stroke-width: 1.5; stroke-dasharray: 5 3; }
.approve-line { stroke: var(--approve); }
.review-line { stroke: var(--review); }
.curve { fill: none; stroke-width: 2; }
.curve.champion, .curve.policy { stroke: var(--champion); }
.curve.challenger { stroke: var(--challenger); }
.dot.champion, .dot.policy { fill: var(--champion); stroke: #fff; stroke-width: 1.5; }
.dot.challenger { fill: var(--challenger); stroke: #fff; stroke-width: 1.5; }
.hollow { fill: #fff; stroke-width: 2; }
.hollow.champion, .hollow.policy { stroke: var(--champion); }
.hollow.challenger { stroke: var(--challenger); }
text.champion-text, text.policy-text { fill: var(--champion); font-weight: 600; }
text.challenger-text { fill: var(--challenger); font-weight: 600; }
svg.cellbar { width: 90px; height: 8px; display: inline-block; }
td.bar { width: 100px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
.swatch.champion { background: var(--champion); } .swatch.challenger { background: var(--challenger); }
.swatch.policy { background: var(--policy); }
.swatch.hollow-swatch { background: #fff; border: 2px solid var(--champion); border-radius: 50%; }
.swatch.hollow-swatch.challenger { border-color: var(--challenger); }
table.heat td { text-align: center; width: 130px; height: 62px; border: 2px solid #fff; }
table.heat td .n { font-size: 16px; font-weight: 600; display: block; }
table.heat td .tag { font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
table.heat td.in .tag { color: #1b5e20; } table.heat td.out .tag { color: #8e1b1b; }
table.heat td.in { outline: 2px solid var(--approve); outline-offset: -4px; }
table.heat td.out { outline: 2px solid var(--reject); outline-offset: -4px; }
table.heat th.corner { background: none; font-size: 11px; color: var(--muted); }
.flag { display: inline-block; padding: 0 8px; border-radius: 9px; font-size: 12px; font-weight: 600; }
.flag.stable { background: #e3f1e4; color: #1b5e20; }
.flag.watch { background: #fff3cd; color: #7a5b00; }
.flag.shift { background: #fbe0e0; color: #8e1b1b; }
details summary { cursor: pointer; color: var(--muted); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { body { padding: 0; } section { margin-top: 14px; } }
"#;

/// A page being written: sections in order.
pub(super) struct Page {
    out: String,
}

impl Page {
    /// A page whose `<title>` and heading are `title` and whose subtitle is `subtitle`
    /// (both plain text, escaped here).
    pub(super) fn new(title: &str, subtitle_html: &str) -> Page {
        let mut out = String::with_capacity(64 * 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        out.push_str("<title>");
        out.push_str(&esc(title));
        out.push_str("</title>\n<style>");
        out.push_str(STYLE);
        out.push_str("</style>\n</head>\n<body>\n<header>\n<h1>");
        out.push_str(&esc(title));
        out.push_str("</h1>\n<p class=\"sub\">");
        out.push_str(subtitle_html);
        out.push_str("</p>\n</header>\n");
        Page { out }
    }

    /// A section with anchor `id` and heading `heading` (plain text), holding `body` (markup).
    pub(super) fn section(&mut self, id: &str, heading: &str, body: &str) {
        self.out.push_str("<section id=\"");
        self.out.push_str(&esc(id));
        self.out.push_str("\">\n<h2>");
        self.out.push_str(&esc(heading));
        self.out.push_str("</h2>\n");
        self.out.push_str(body);
        self.out.push_str("\n</section>\n");
    }

    /// The finished document.
    pub(super) fn finish(mut self, footer_html: &str) -> String {
        self.out.push_str("<footer>");
        self.out.push_str(footer_html);
        self.out.push_str("</footer>\n</body>\n</html>\n");
        self.out
    }
}
