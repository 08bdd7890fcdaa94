//! Text for people: tables, counts, treaties and the analysis as they appear
//! on a terminal. Renderers take results computed elsewhere and return
//! strings; `--json` output is the library types serialised as they are.

pub mod analysis;
pub mod count;
pub mod declaration;
pub mod diff;
pub mod history;
pub mod record;
pub mod treaty;

/// A plain text table: the first column left-aligned, numbers right-aligned.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    // A column of numbers (possibly followed by a note, as in "901 (+101)") is right-aligned.
    let is_number = |cell: &str| {
        cell == "-"
            || cell.split(' ').next().is_some_and(|n| n.trim_start_matches('+').replace(',', "").parse::<f64>().is_ok())
    };
    let numeric = |i: usize| i > 0 && rows.iter().all(|r| is_number(&r[i]));
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i > 0 {
                text.push_str("  ");
            }
            if numeric(i) {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    line(&mut widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str));
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// 1457 → "1,457".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn wrap(prefix: &str, words: &[String], width: usize) -> String {
    let mut out = String::new();
    let mut line = prefix.to_owned();
    for word in words {
        if line.len() + word.len() + 1 > width && line.len() > prefix.len() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = prefix.to_owned();
        }
        line.push_str(word);
        line.push(' ');
    }
    if line.len() > prefix.len() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// A non-negative figure rounded to a whole number, with thousands separators.
pub fn round(value: f64) -> String {
    thousands(value.round().max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(800), "800");
        assert_eq!(thousands(1457), "1,457");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
