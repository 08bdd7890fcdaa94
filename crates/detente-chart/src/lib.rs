//! Deterministic SVG charts: text in, text out, the same bytes every time,
//! so charts can be snapshot-tested and embedded in HTML as they are.
//!
//! A [`Figure`] stacks [`Panel`]s that share an x axis. Each panel has series
//! of points, horizontal reference lines (treaty limits) and vertical markers
//! (dates such as the central-limits deadline). Points can be marked as
//! uncertain and are then drawn hollow. A [`HeatMap`] colours a grid of
//! values in [0, 1], such as a stability index over two swept parameters.

use std::fmt::Write as _;

mod heatmap;
pub use heatmap::HeatMap;

/// One line of data.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    /// A CSS colour.
    pub color: String,
    /// (x, y, certain): uncertain points are drawn hollow.
    pub points: Vec<(f64, f64, bool)>,
}

/// A horizontal line across a panel, such as a limit.
#[derive(Debug, Clone)]
pub struct Reference {
    pub label: String,
    pub y: f64,
}

/// A vertical line across every panel, such as a date.
#[derive(Debug, Clone)]
pub struct Marker {
    pub label: String,
    pub x: f64,
}

#[derive(Debug, Clone)]
pub struct Panel {
    pub title: String,
    pub series: Vec<Series>,
    pub references: Vec<Reference>,
}

#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    /// What the figure shows, for screen readers and the file's `<desc>`.
    pub description: String,
    pub panels: Vec<Panel>,
    pub markers: Vec<Marker>,
    /// Tick positions and labels along the shared x axis.
    pub x_ticks: Vec<(f64, String)>,
    pub width: u32,
    pub panel_height: u32,
}

const MARGIN_LEFT: f64 = 64.0;
const MARGIN_RIGHT: f64 = 150.0;
const TITLE_HEIGHT: f64 = 40.0;
const PANEL_GAP: f64 = 46.0;
const AXIS_HEIGHT: f64 = 30.0;

/// A linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    from: (f64, f64),
    to: (f64, f64),
}

impl Scale {
    fn map(self, v: f64) -> f64 {
        let span = self.from.1 - self.from.0;
        let t = if span == 0.0 { 0.5 } else { (v - self.from.0) / span };
        self.to.0 + t * (self.to.1 - self.to.0)
    }
}

/// Round, human-friendly tick values covering `lo..=hi`.
fn nice_ticks(lo: f64, hi: f64, wanted: usize) -> Vec<f64> {
    let span = (hi - lo).max(1.0);
    let raw = span / wanted.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// The start of a standalone SVG document: its size, its title and
/// description for screen readers (ids prefixed by `id`, so that two
/// documents can share an HTML page), a white ground and the visible title
/// at `title_x`.
fn open_document(id: &str, (width, height): (f64, f64), title: &str, description: &str, title_x: f64) -> String {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif" font-size="12">"#,
        w = number(width),
        h = number(height)
    );
    let _ = writeln!(svg, r#"<title id="{id}-title">{}</title>"#, escape(title));
    let _ = writeln!(svg, r#"<desc id="{id}-desc">{}</desc>"#, escape(description));
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="24" font-size="16" font-weight="600" fill="#1a1a1a">{}</text>"##,
        number(title_x),
        escape(title)
    );
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

impl Figure {
    fn x_range(&self) -> (f64, f64) {
        let xs = self.panels.iter().flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let xs = xs.chain(self.markers.iter().map(|m| m.x)).chain(self.x_ticks.iter().map(|t| t.0));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
    }

    /// Renders the figure as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let width = f64::from(self.width);
        let panel_height = f64::from(self.panel_height);
        let height = TITLE_HEIGHT + self.panels.len() as f64 * (panel_height + PANEL_GAP) + AXIS_HEIGHT;
        let x = Scale { from: self.x_range(), to: (MARGIN_LEFT, width - MARGIN_RIGHT) };
        let mut svg = open_document("chart", (width, height), &self.title, &self.description, MARGIN_LEFT);
        for (index, panel) in self.panels.iter().enumerate() {
            let top = TITLE_HEIGHT + index as f64 * (panel_height + PANEL_GAP) + 18.0;
            self.panel(&mut svg, panel, x, top, top + panel_height);
        }
        let bottom = TITLE_HEIGHT + self.panels.len() as f64 * (panel_height + PANEL_GAP) - PANEL_GAP + 18.0;
        for (tick, label) in &self.x_ticks {
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{}" text-anchor="middle" fill="#444">{}</text>"##,
                number(x.map(*tick)),
                number(bottom + 18.0),
                escape(label)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }

    fn panel(&self, svg: &mut String, panel: &Panel, x: Scale, top: f64, bottom: f64) {
        let values =
            panel.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).chain(panel.references.iter().map(|r| r.y));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let pad = ((hi - lo) * 0.08).max(1.0);
        let y = Scale { from: (lo - pad, hi + pad), to: (bottom, top) };
        let (left, right) = (MARGIN_LEFT, f64::from(self.width) - MARGIN_RIGHT);
        let _ = writeln!(svg, r#"<g class="panel"><title>{}</title>"#, escape(&panel.title));
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" font-weight="600" fill="#1a1a1a">{}</text>"##,
            number(left),
            number(top - 6.0),
            escape(&panel.title)
        );
        for tick in nice_ticks(lo - pad, hi + pad, 4) {
            let py = number(y.map(tick));
            let _ = writeln!(
                svg,
                r##"<line x1="{}" x2="{}" y1="{py}" y2="{py}" stroke="#e6e6e6"/>"##,
                number(left),
                number(right)
            );
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{py}" dy="4" text-anchor="end" fill="#444">{}</text>"##,
                number(left - 6.0),
                number(tick)
            );
        }
        for tick in &self.x_ticks {
            let px = number(x.map(tick.0));
            let _ = writeln!(
                svg,
                r##"<line x1="{px}" x2="{px}" y1="{}" y2="{}" stroke="#f0f0f0"/>"##,
                number(top),
                number(bottom)
            );
        }
        let _ = writeln!(
            svg,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>"##,
            number(left),
            number(top),
            number(right - left),
            number(bottom - top)
        );
        for marker in &self.markers {
            let px = number(x.map(marker.x));
            let _ = writeln!(
                svg,
                r##"<line x1="{px}" x2="{px}" y1="{}" y2="{}" stroke="#777" stroke-dasharray="2 3"><title>{}</title></line>"##,
                number(top),
                number(bottom),
                escape(&marker.label)
            );
            // Near the right edge the label goes left of its line, clear of the legend.
            let (anchor, dx) = if x.map(marker.x) > left + 0.75 * (right - left) { ("end", -3) } else { ("start", 3) };
            let _ = writeln!(
                svg,
                r##"<text x="{px}" y="{}" dx="{dx}" text-anchor="{anchor}" font-size="10" fill="#555">{}</text>"##,
                number(top + 11.0),
                escape(&marker.label)
            );
        }
        for reference in &panel.references {
            let py = number(y.map(reference.y));
            let _ = writeln!(
                svg,
                r##"<line x1="{}" x2="{}" y1="{py}" y2="{py}" stroke="#111" stroke-width="1.5" stroke-dasharray="8 4"><title>{}</title></line>"##,
                number(left),
                number(right),
                escape(&reference.label)
            );
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{py}" dy="4" fill="#111">{}</text>"##,
                number(right + 6.0),
                escape(&reference.label)
            );
        }
        for (index, series) in panel.series.iter().enumerate() {
            let path: Vec<String> =
                series.points.iter().map(|p| format!("{},{}", number(x.map(p.0)), number(y.map(p.1)))).collect();
            let _ = writeln!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"><title>{}</title></polyline>"#,
                path.join(" "),
                escape(&series.color),
                escape(&series.name)
            );
            for &(px, py, certain) in &series.points {
                let fill = if certain { escape(&series.color) } else { "#ffffff".to_owned() };
                let _ = writeln!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="3" fill="{fill}" stroke="{}"><title>{}: {}{}</title></circle>"#,
                    number(x.map(px)),
                    number(y.map(py)),
                    escape(&series.color),
                    escape(&series.name),
                    number(py),
                    if certain { "" } else { " (unverified)" }
                );
            }
            let legend_y = number(top + 28.0 + 16.0 * index as f64);
            let _ = writeln!(
                svg,
                r#"<line x1="{}" x2="{}" y1="{legend_y}" y2="{legend_y}" stroke="{}" stroke-width="2"/>"#,
                number(right + 6.0),
                number(right + 24.0),
                escape(&series.color)
            );
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{legend_y}" dy="4" fill="#1a1a1a">{}</text>"##,
                number(right + 28.0),
                escape(&series.name)
            );
        }
        svg.push_str("</g>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure() -> Figure {
        Figure {
            title: "A & B".into(),
            description: "test".into(),
            panels: vec![Panel {
                title: "Panel <1>".into(),
                series: vec![Series {
                    name: "US".into(),
                    color: "#1f4e9c".into(),
                    points: vec![(0.0, 10.0, true), (1.0, 20.0, false)],
                }],
                references: vec![Reference { label: "limit 15".into(), y: 15.0 }],
            }],
            markers: vec![Marker { label: "deadline".into(), x: 0.5 }],
            x_ticks: vec![(0.0, "2011".into()), (1.0, "2012".into())],
            width: 600,
            panel_height: 200,
        }
    }

    #[test]
    fn renders_escaped_well_formed_svg() {
        let svg = figure().to_svg();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("A &amp; B") && svg.contains("Panel &lt;1&gt;"));
        assert!(svg.contains("limit 15") && svg.contains("deadline"));
        assert!(svg.contains("20 (unverified)"), "uncertain points say so");
        assert_eq!(svg.matches("<g ").count(), svg.matches("</g>").count());
        assert_eq!(svg, figure().to_svg(), "deterministic");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 800.0, 4), vec![0.0, 200.0, 400.0, 600.0, 800.0]);
        assert_eq!(nice_ticks(1300.0, 1850.0, 4), vec![1400.0, 1600.0, 1800.0]);
    }
}
