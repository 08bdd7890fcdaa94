//! Deterministic SVG heat maps: a value in [0, 1] for each cell of a grid,
//! such as a stability index over two swept parameters.

use std::fmt::Write as _;

use crate::{escape, number, open_document};

/// A grid of values in [0, 1]: `cells[row][column]`, rows along y (drawn
/// bottom to top), columns along x.
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub title: String,
    /// What the map shows, for screen readers and the file's `<desc>`.
    pub description: String,
    pub x_label: String,
    pub y_label: String,
    pub x_values: Vec<f64>,
    pub y_values: Vec<f64>,
    pub cells: Vec<Vec<f64>>,
    /// What the colour means, such as "first-strike stability index".
    pub legend: String,
}

const LEFT: f64 = 80.0;
const TOP: f64 = 44.0;
const PLOT: f64 = 480.0;
const RIGHT: f64 = 130.0;
const BOTTOM: f64 = 56.0;

/// From red (0) through yellow to blue (1): a scale that stays readable
/// for the common forms of colour blindness, which a red-green one does not.
fn colour(value: f64) -> String {
    let t = value.clamp(0.0, 1.0);
    let stops = [(0.0, (178.0, 24.0, 43.0)), (0.5, (247.0, 247.0, 191.0)), (1.0, (33.0, 102.0, 172.0))];
    let (low, high) = if t <= 0.5 { (stops[0], stops[1]) } else { (stops[1], stops[2]) };
    let u = (t - low.0) / (high.0 - low.0);
    let mix = |a: f64, b: f64| (a + (b - a) * u).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(low.1.0, high.1.0), mix(low.1.1, high.1.1), mix(low.1.2, high.1.2))
}

/// A short label for an axis value.
fn label(value: f64) -> String {
    if value.abs() >= 100.0 || value.fract() == 0.0 { number(value.round()) } else { format!("{value:.2}") }
}

impl HeatMap {
    /// Renders the map as a standalone SVG document.
    pub fn to_svg(&self) -> String {
        let (columns, rows) = (self.x_values.len().max(1), self.y_values.len().max(1));
        let (cell_w, cell_h) = (PLOT / columns as f64, PLOT / rows as f64);
        let (width, height) = (LEFT + PLOT + RIGHT, TOP + PLOT + BOTTOM);
        let mut svg = open_document("map", (width, height), &self.title, &self.description, LEFT);
        // Cells, with the value as a tooltip; crisp edges leave no seams between them.
        svg.push_str("<g shape-rendering=\"crispEdges\">\n");
        for (row, values) in self.cells.iter().enumerate() {
            for (column, value) in values.iter().enumerate() {
                let x = LEFT + column as f64 * cell_w;
                let y = TOP + PLOT - (row + 1) as f64 * cell_h;
                let _ = writeln!(
                    svg,
                    r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}"><title>{} = {}, {} = {}: {:.3}</title></rect>"#,
                    x,
                    y,
                    cell_w + 0.05,
                    cell_h + 0.05,
                    colour(*value),
                    escape(&self.x_label),
                    label(self.x_values.get(column).copied().unwrap_or_default()),
                    escape(&self.y_label),
                    label(self.y_values.get(row).copied().unwrap_or_default()),
                    value
                );
            }
        }
        svg.push_str("</g>\n");
        // Axes: five labels each, at the first, last and evenly between.
        let picks =
            |n: usize| -> Vec<usize> { if n <= 1 { vec![0] } else { (0..5).map(|i| i * (n - 1) / 4).collect() } };
        for i in picks(self.x_values.len()) {
            let x = LEFT + (i as f64 + 0.5) * cell_w;
            let _ = writeln!(
                svg,
                r##"<text x="{x:.2}" y="{}" text-anchor="middle" fill="#444">{}</text>"##,
                number(TOP + PLOT + 16.0),
                label(self.x_values[i])
            );
        }
        for i in picks(self.y_values.len()) {
            let y = TOP + PLOT - (i as f64 + 0.5) * cell_h + 4.0;
            let _ = writeln!(
                svg,
                r##"<text x="{}" y="{y:.2}" text-anchor="end" fill="#444">{}</text>"##,
                number(LEFT - 6.0),
                label(self.y_values[i])
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" fill="#1a1a1a">{}</text>"##,
            number(LEFT + PLOT / 2.0),
            number(height - 14.0),
            escape(&self.x_label)
        );
        let _ = writeln!(
            svg,
            r##"<text x="18" y="{y}" text-anchor="middle" fill="#1a1a1a" transform="rotate(-90 18 {y})">{}</text>"##,
            escape(&self.y_label),
            y = number(TOP + PLOT / 2.0)
        );
        // Legend: the colour scale from 0 to 1.
        let legend_x = LEFT + PLOT + 24.0;
        for step in 0..20 {
            let value = f64::from(step) / 19.0;
            let y = TOP + PLOT - (f64::from(step) + 1.0) * PLOT / 20.0;
            let _ = writeln!(
                svg,
                r#"<rect x="{}" y="{y:.2}" width="18" height="{:.2}" fill="{}"/>"#,
                number(legend_x),
                PLOT / 20.0 + 0.05,
                colour(value)
            );
        }
        let _ =
            writeln!(svg, r##"<text x="{}" y="{}" fill="#444">1</text>"##, number(legend_x + 24.0), number(TOP + 10.0));
        let _ =
            writeln!(svg, r##"<text x="{}" y="{}" fill="#444">0</text>"##, number(legend_x + 24.0), number(TOP + PLOT));
        let _ = writeln!(
            svg,
            r##"<text x="{x}" y="{y}" fill="#1a1a1a" transform="rotate(90 {x} {y})" text-anchor="middle">{}</text>"##,
            escape(&self.legend),
            x = number(legend_x + 52.0),
            y = number(TOP + PLOT / 2.0)
        );
        svg.push_str("</svg>\n");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_cell_deterministically() {
        let map = HeatMap {
            title: "Index <US & RU>".into(),
            description: "test".into(),
            x_label: "US.alert_rate".into(),
            y_label: "RU.cep_m".into(),
            x_values: vec![0.0, 0.5, 1.0],
            y_values: vec![100.0, 200.0],
            cells: vec![vec![0.0, 0.5, 1.0], vec![0.25, 0.75, 1.0]],
            legend: "first-strike stability index".into(),
        };
        let svg = map.to_svg();
        assert_eq!(svg, map.to_svg());
        assert_eq!(svg.matches("<rect x=").count(), 6 + 20, "six cells and twenty legend steps");
        assert!(svg.contains("Index &lt;US &amp; RU&gt;"));
        assert!(svg.contains("#b2182b") && svg.contains("#2166ac"), "0 is red, 1 is blue");
        assert!(svg.contains("US.alert_rate = 0.50, RU.cep_m = 100: 0.500"));
    }
}
