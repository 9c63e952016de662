//! A minimal SVG writer: the shapes the charts draw, each coordinate passed through
//! [`coord`], each text through [`esc`]. Colours come from CSS classes, so the page's style
//! sheet is the one place they are set.

use std::fmt::Write;

use super::fmt::{coord, esc};

/// One SVG element under construction.
pub(super) struct Svg {
    out: String,
}

/// Where a text is anchored on its x.
#[derive(Clone, Copy)]
pub(super) enum Anchor {
    /// Text starts at x.
    Start,
    /// Text is centred on x.
    Middle,
    /// Text ends at x.
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

impl Svg {
    /// An SVG of `width` × `height` user units that scales to its container; `label` is its
    /// accessible name and `figure` its hook (`data-figure`).
    pub(super) fn new(width: f64, height: f64, label: &str, figure: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}" data-figure="{figure}">"#,
            w = coord(width),
            h = coord(height),
            label = esc(label),
            figure = esc(figure),
        );
        Svg { out }
    }

    /// A rectangle of class `class`, with a tooltip when `title` is not empty.
    pub(super) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, title: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" class="{}">"#,
            coord(x),
            coord(y),
            coord(w.max(0.0)),
            coord(h.max(0.0)),
            esc(class),
        );
        if !title.is_empty() {
            let _ = write!(self.out, "<title>{}</title>", esc(title));
        }
        self.out.push_str("</rect>");
    }

    /// A line of class `class`.
    pub(super) fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}"/>"#,
            coord(x1),
            coord(y1),
            coord(x2),
            coord(y2),
            esc(class),
        );
    }

    /// A text of class `class`.
    pub(super) fn text(&mut self, x: f64, y: f64, anchor: Anchor, class: &str, text: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{}" y="{}" text-anchor="{}" class="{}">{}</text>"#,
            coord(x),
            coord(y),
            anchor.as_str(),
            esc(class),
            esc(text),
        );
    }

    /// A circle of class `class`, with a tooltip.
    pub(super) fn circle(&mut self, x: f64, y: f64, r: f64, class: &str, title: &str) {
        let _ = write!(
            self.out,
            r#"<circle cx="{}" cy="{}" r="{}" class="{}"><title>{}</title></circle>"#,
            coord(x),
            coord(y),
            coord(r),
            esc(class),
            esc(title),
        );
    }

    /// A polyline through `points`, of class `class`.
    pub(super) fn polyline(&mut self, points: &[(f64, f64)], class: &str) {
        self.out.push_str(r#"<polyline points=""#);
        for (i, (x, y)) in points.iter().enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            let _ = write!(self.out, "{},{}", coord(*x), coord(*y));
        }
        let _ = write!(self.out, r#"" class="{}"/>"#, esc(class));
    }

    /// The finished element.
    pub(super) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) at or above `x`; 1 for
/// anything not positive or not finite.
pub(super) fn nice_ceil(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * power >= x * (1.0 - 1e-12) {
            return m * power;
        }
    }
    10.0 * power
}

/// A small horizontal bar for a table cell: `share` of its width filled.
pub(super) fn cell_bar(share: Option<f64>, class: &str) -> String {
    let filled = share
        .filter(|s| s.is_finite())
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
        * 100.0;
    format!(
        r#"<svg class="cellbar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true"><rect width="100" height="8" class="track"/><rect width="{}" height="8" class="{}"/></svg>"#,
        coord(filled),
        esc(class),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(f64::NAN), 1.0);
        assert_eq!(nice_ceil(7.0), 10.0);
        assert_eq!(nice_ceil(10.0), 10.0);
        assert_eq!(nice_ceil(0.031), 0.05);
        assert_eq!(nice_ceil(0.021), 0.025);
        assert_eq!(nice_ceil(1234.0), 2000.0);
    }

    #[test]
    fn shapes_escape_text_and_never_write_nan() {
        let mut svg = Svg::new(100.0, 50.0, "a <b>", "x\"y");
        svg.rect(f64::NAN, 0.0, f64::INFINITY, -3.0, "c", "<t>");
        svg.text(1.0, 2.0, Anchor::End, "c", "<script>");
        svg.polyline(&[(0.0, f64::NEG_INFINITY), (1.0, 2.0)], "c");
        let s = svg.finish();
        assert!(!s.contains("NaN") && !s.contains("inf"), "{s}");
        assert!(
            s.contains("&lt;script&gt;") && !s.contains("<script>"),
            "{s}"
        );
        assert!(s.contains(r#"data-figure="x&quot;y""#), "{s}");
        assert!(s.contains(r#"points="0.0,0 1.0,2.0""#), "{s}");
    }
}
