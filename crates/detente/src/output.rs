//! The one way results leave the process. Every command prints through an
//! [`Output`], which knows whether the user asked for JSON, writes whole
//! results at once (a closed pipe is passed up as an error, which `main`
//! treats as the reader having seen enough), and keeps remarks for people
//! on standard error so that standard output stays machine-readable.

use std::io::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::data;

#[derive(Debug)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    /// Whether `--json` was given.
    pub fn json_wanted(&self) -> bool {
        self.json
    }

    /// A result: as JSON with `--json`, otherwise as the text `render` makes.
    pub fn result<T: Serialize + ?Sized>(&self, value: &T, render: impl FnOnce(&T) -> String) -> anyhow::Result<()> {
        if self.json { self.json_value(value) } else { self.text(&render(value)) }
    }

    /// Text exactly as given (a table, CSV, a signed note).
    pub fn text(&self, text: &str) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        Ok(())
    }

    /// A large result written as it is made (a declaration), not built in memory first.
    pub fn stream(&self, write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        write(&mut out)?;
        out.flush()?;
        Ok(())
    }

    /// A value as pretty JSON, whatever was asked.
    pub fn json_value<T: Serialize + ?Sized>(&self, value: &T) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }

    /// One JSON document on one line, for streams: each line is read as it comes.
    pub fn json_line<T: Serialize + ?Sized>(&self, value: &T) -> anyhow::Result<()> {
        self.text(&format!("{}\n", serde_json::to_string(value)?))
    }

    /// A remark for the person at the terminal, on standard error.
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }

    /// Writes a file atomically and says so on standard error.
    pub fn file(&self, path: &Path, contents: &[u8]) -> anyhow::Result<()> {
        data::write_atomically(path, |out| out.write_all(contents))?;
        self.note(&format!("wrote {}", path.display()));
        Ok(())
    }
}
