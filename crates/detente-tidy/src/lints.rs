//! Clippy's reports of disallowed items, and the reports a fixture expects.

use serde::Deserialize;

/// The three clippy lints the pure crates' configuration drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lint {
    Methods,
    Types,
    Macros,
}

impl Lint {
    const ALL: [(Lint, &'static str); 3] =
        [(Lint::Methods, "disallowed_methods"), (Lint::Types, "disallowed_types"), (Lint::Macros, "disallowed_macros")];

    pub fn name(self) -> &'static str {
        Lint::ALL.iter().find(|(lint, _)| *lint == self).map(|(_, name)| *name).expect("every lint is named")
    }

    fn named(name: &str) -> Option<Lint> {
        Lint::ALL.iter().find(|(_, n)| *n == name).map(|(lint, _)| *lint)
    }
}

/// One use of a disallowed item: the lint, the item's path as the
/// configuration names it, and the line of the use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Disallowed {
    pub line: usize,
    pub lint: Lint,
    pub path: String,
}

/// What clippy said about a crate: the disallowed uses it found and
/// everything else (rendered), which a fixture must not cause.
#[derive(Debug, Default)]
pub struct Report {
    pub disallowed: Vec<Disallowed>,
    pub other: Vec<String>,
}

#[derive(Deserialize)]
struct CargoMessage {
    reason: String,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Diagnostic {
    message: String,
    code: Option<Code>,
    spans: Vec<Span>,
    rendered: Option<String>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: usize,
    is_primary: bool,
    expansion: Option<Box<Expansion>>,
}

#[derive(Deserialize)]
struct Expansion {
    span: Span,
}

impl Span {
    /// The line in the crate's own source: a use inside a std macro (`dbg!`
    /// expands to `eprintln!`) is reported where the macro was called.
    fn own_line(&self) -> usize {
        match &self.expansion {
            Some(expansion) if std::path::Path::new(&self.file_name).is_absolute() => expansion.span.own_line(),
            _ => self.line_start,
        }
    }
}

/// Reads the output of `cargo clippy --message-format=json`. Lines that are
/// not JSON (cargo's own progress, should any reach stdout) are skipped.
pub fn diagnostics(output: &str) -> Report {
    let mut report = Report::default();
    for message in output.lines().filter_map(|line| serde_json::from_str::<CargoMessage>(line).ok()) {
        let Some(diagnostic) = message.message.filter(|_| message.reason == "compiler-message") else { continue };
        let lint = diagnostic.code.as_ref().and_then(|c| c.code.strip_prefix("clippy::")).and_then(Lint::named);
        let line = diagnostic.spans.iter().find(|s| s.is_primary).map(Span::own_line);
        let path = diagnostic.message.split('`').nth(1);
        match (lint, line, path) {
            (Some(lint), Some(line), Some(path)) => {
                report.disallowed.push(Disallowed { line, lint, path: path.into() })
            }
            // The closing count of a failed build says nothing of its own.
            _ if diagnostic.spans.is_empty() && diagnostic.message.starts_with("aborting due to") => {}
            _ => report.other.push(diagnostic.rendered.unwrap_or(diagnostic.message)),
        }
    }
    report.disallowed.sort();
    report
}

/// An `// expect:` mark that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "line {line}: expected `// expect: LINT PATH`, with LINT one of disallowed_methods, disallowed_types or disallowed_macros, found {mark:?}"
)]
pub struct MarkError {
    pub line: usize,
    pub mark: String,
}

/// The uses a fixture's source says clippy must report: a line ending in
/// `// expect: LINT PATH; LINT PATH…` expects each on that line.
pub fn expected(source: &str) -> Result<Vec<Disallowed>, MarkError> {
    let mut expected = Vec::new();
    for (i, text) in source.lines().enumerate() {
        let Some((_, marks)) = text.split_once("// expect:") else { continue };
        for mark in marks.split(';') {
            let error = || MarkError { line: i + 1, mark: mark.trim().into() };
            let (lint, path) = mark.trim().split_once(' ').ok_or_else(error)?;
            let lint = Lint::named(lint).ok_or_else(error)?;
            expected.push(Disallowed { line: i + 1, lint, path: path.trim().into() });
        }
    }
    expected.sort();
    Ok(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_name_each_expected_use() {
        let source = "fn f() {\n    T::now(); // expect: disallowed_methods std::time::SystemTime::now; disallowed_types std::time::SystemTime\n}\n";
        assert_eq!(
            expected(source).unwrap(),
            vec![
                Disallowed { line: 2, lint: Lint::Methods, path: "std::time::SystemTime::now".into() },
                Disallowed { line: 2, lint: Lint::Types, path: "std::time::SystemTime".into() },
            ]
        );
        assert_eq!(
            expected("\nx(); // expect: disallowed_things a::b").unwrap_err(),
            MarkError { line: 2, mark: "disallowed_things a::b".into() }
        );
    }

    #[test]
    fn clippy_json_is_read_into_uses_and_everything_else() {
        let output = concat!(
            r#"{"reason":"compiler-artifact","package_id":"x"}"#,
            "\n",
            r#"{"reason":"compiler-message","message":{"message":"use of a disallowed macro `std::println`","code":{"code":"clippy::disallowed_macros"},"spans":[{"file_name":"/rustc/library/std/src/macros.rs","line_start":365,"is_primary":true,"expansion":{"span":{"file_name":"src/lib.rs","line_start":4,"is_primary":false}}}],"rendered":"error: …"}}"#,
            "\n",
            r#"{"reason":"compiler-message","message":{"message":"unused variable: `x`","code":{"code":"unused_variables"},"spans":[{"file_name":"src/lib.rs","line_start":9,"is_primary":true}],"rendered":"warning: unused variable"}}"#,
            "\n",
            r#"{"reason":"compiler-message","message":{"message":"aborting due to 1 previous error","code":null,"spans":[],"rendered":"error: aborting"}}"#,
            "\n",
        );
        let report = diagnostics(output);
        assert_eq!(report.disallowed, vec![Disallowed { line: 4, lint: Lint::Macros, path: "std::println".into() }]);
        assert_eq!(report.other, vec!["warning: unused variable".to_string()]);
    }
}
