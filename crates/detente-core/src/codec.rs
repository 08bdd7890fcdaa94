//! Declarations in and out: the CSV and JSON encodings documented in
//! `docs/formats/declaration.md`.
//!
//! Readers and writers work on any `Read`/`Write` the caller hands them; the
//! core never opens a file. Every decoding error names the line (CSV) or the
//! record (JSON), the unique identifier when one was read, and the field.

use std::fmt;
use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::declaration::{Builder, Declaration, FieldError, Header, ItemSpec};
use crate::model::{Armament, Facility, Party, Status, Vocabulary};

/// The format tag that opens every declaration file.
pub const FORMAT: &str = "detente-declaration/1";

/// The CSV columns, in the order detente writes them.
pub const COLUMNS: [&str; 8] = ["uid", "kind", "type", "facility", "status", "warheads", "armament", "range_km"];

/// Where in the input a problem lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A CSV line, counted from 1 and including the `#` preamble.
    Line(u64),
    /// A JSON item, by its index in `items`.
    Record(usize),
    /// The file as a whole (or its JSON header).
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    pub location: Location,
    /// The item's unique identifier, when it was read before the problem.
    pub uid: Option<String>,
    /// The field at fault, when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Line(line) => write!(f, "line {line}")?,
            Location::Record(index) => write!(f, "items[{index}]")?,
            Location::File => f.write_str("header")?,
        }
        if let Some(uid) = &self.uid {
            write!(f, " (uid {uid})")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl DecodeError {
    pub(crate) fn new(location: Location, field: Option<&str>, message: impl Into<String>) -> DecodeError {
        DecodeError { location, uid: None, field: field.map(str::to_owned), message: message.into() }
    }

    fn from_field(location: Location, uid: Option<&str>, error: FieldError) -> DecodeError {
        DecodeError {
            location,
            uid: uid.map(str::to_owned),
            field: Some(error.field.to_owned()),
            message: error.message,
        }
    }
}

fn parse_warheads(text: &str) -> Result<u32, FieldError> {
    if text.starts_with('-') {
        return Err(FieldError::new(
            "warheads",
            format!("{text} is negative: give the number of warheads emplaced, 0 or more"),
        ));
    }
    text.parse().map_err(|_| FieldError::new("warheads", format!("{text:?} is not a whole number of warheads")))
}

fn parse_range(text: &str) -> Result<Option<u32>, FieldError> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.starts_with('-') {
        return Err(FieldError::new("range_km", format!("{text} is negative")));
    }
    text.parse()
        .map(Some)
        .map_err(|_| FieldError::new("range_km", format!("{text:?} is not a whole number of kilometres")))
}

fn parse_armament(text: &str) -> Result<Option<Armament>, FieldError> {
    if text.is_empty() { Ok(None) } else { text.parse().map(Some).map_err(|m| FieldError::new("armament", m)) }
}

// ---------------------------------------------------------------------------
// CSV

/// Reads a CSV declaration: a `#` preamble (format, party, as-of, source, notes,
/// facilities), then a header row naming the columns in any order, then one row per item.
pub fn read_csv<R: Read>(input: R, vocabulary: &Vocabulary) -> Result<Declaration, DecodeError> {
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    let (header, header_row, preamble_lines) = read_preamble(&mut input)?;
    let header_line = preamble_lines + 1;
    let mut builder = Builder::new(header, vocabulary).map_err(|e| DecodeError::from_field(Location::File, None, e))?;

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(io::Cursor::new(header_row).chain(input));
    let columns = column_order(reader.headers().map_err(|e| csv_error(e, preamble_lines))?, header_line)?;

    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(e, preamble_lines)),
        }
        let line = preamble_lines + record.position().map_or(0, |p| p.line());
        let field = |column: usize| &record[columns[column]];
        let uid = field(0);
        let located = |e: FieldError| DecodeError::from_field(Location::Line(line), Some(uid), e);
        let spec = ItemSpec {
            uid,
            kind: field(1),
            type_name: field(2),
            facility: field(3),
            status: field(4).parse().map_err(|m| located(FieldError::new("status", m)))?,
            warheads: parse_warheads(field(5)).map_err(located)?,
            armament: parse_armament(field(6)).map_err(located)?,
            range_km: parse_range(field(7)).map_err(located)?,
        };
        builder.push(&spec).map_err(located)?;
    }
    Ok(builder.finish())
}

/// Maps each documented column to its position in the file's header row.
fn column_order(headers: &csv::StringRecord, line: u64) -> Result<[usize; 8], DecodeError> {
    let mut order = [usize::MAX; 8];
    for (position, name) in headers.iter().enumerate() {
        let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(DecodeError::new(
                Location::Line(line),
                Some(name),
                format!("unknown column {name:?}: expected the columns {}", COLUMNS.join(",")),
            ));
        };
        if order[column] != usize::MAX {
            return Err(DecodeError::new(Location::Line(line), Some(name), format!("column {name:?} appears twice")));
        }
        order[column] = position;
    }
    if let Some(missing) = order.iter().position(|&p| p == usize::MAX) {
        return Err(DecodeError::new(
            Location::Line(line),
            Some(COLUMNS[missing]),
            format!("missing column {:?}", COLUMNS[missing]),
        ));
    }
    Ok(order)
}

fn csv_error(error: csv::Error, preamble_lines: u64) -> DecodeError {
    let line = error.position().map(|p| preamble_lines + p.line());
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("{len} fields where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => error.to_string(),
    };
    DecodeError::new(line.map_or(Location::File, Location::Line), None, message)
}

/// Reads the `# key: value` lines before the header row. Returns the header,
/// the header row itself (to hand back to the CSV reader) and the number of preamble lines.
fn read_preamble<R: BufRead>(input: &mut R) -> Result<(Header, Vec<u8>, u64), DecodeError> {
    let mut format = None;
    let mut party = None;
    let mut as_of = None;
    let mut source = None;
    let mut notes = Vec::new();
    let mut facilities = Vec::new();
    let mut line_number = 0u64;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read =
            input.read_until(b'\n', &mut raw).map_err(|e| DecodeError::new(Location::File, None, e.to_string()))?;
        if read == 0 {
            return Err(DecodeError::new(
                Location::Line(line_number + 1),
                None,
                "the file ends before the header row (uid,kind,type,…)",
            ));
        }
        line_number += 1;
        if !raw.starts_with(b"#") {
            break;
        }
        let at = Location::Line(line_number);
        let text = std::str::from_utf8(&raw).map_err(|_| DecodeError::new(at.clone(), None, "not valid UTF-8"))?;
        let text = text[1..].trim();
        if text.is_empty() {
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            return Err(DecodeError::new(at, None, format!("preamble line {text:?} is not \"key: value\"")));
        };
        let (key, value) = (key.trim(), value.trim());
        let field = Some(key);
        match key {
            "format" => format = Some(value.to_owned()),
            "party" => party = Some(value.parse::<Party>().map_err(|m| DecodeError::new(at, field, m))?),
            "as-of" => as_of = Some(value.parse::<Date>().map_err(|e| DecodeError::new(at, field, e.to_string()))?),
            "source" => source = Some(value.to_owned()),
            "note" => notes.push(value.to_owned()),
            "facility" => {
                let parts: Vec<_> = value.split('|').map(str::trim).collect();
                let [id, kind, name] = parts[..] else {
                    return Err(DecodeError::new(at, field, "a facility is \"ID | kind | name\""));
                };
                facilities.push(Facility { id: id.to_owned(), kind: kind.to_owned(), name: name.to_owned() });
            }
            other => {
                return Err(DecodeError::new(
                    at,
                    field,
                    format!("unknown preamble key {other:?}: expected format, party, as-of, source, note or facility"),
                ));
            }
        }
    }
    let first = || Location::Line(1);
    match format.as_deref() {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(DecodeError::new(
                first(),
                Some("format"),
                format!("unsupported format {other:?}: expected {FORMAT}"),
            ));
        }
        None => return Err(DecodeError::new(first(), Some("format"), format!("missing \"# format: {FORMAT}\" line"))),
    }
    let party = party.ok_or_else(|| DecodeError::new(first(), Some("party"), "missing \"# party: …\" line"))?;
    let as_of =
        as_of.ok_or_else(|| DecodeError::new(first(), Some("as-of"), "missing \"# as-of: YYYY-MM-DD\" line"))?;
    Ok((Header { party, as_of, source, notes, facilities }, raw, line_number - 1))
}

/// Writes a declaration as CSV, preamble first, columns in the documented order.
pub fn write_csv<W: Write>(declaration: &Declaration, output: W) -> io::Result<()> {
    let mut output = io::BufWriter::with_capacity(1 << 16, output);
    let header = declaration.header();
    writeln!(output, "# format: {FORMAT}")?;
    writeln!(output, "# party: {}", header.party)?;
    writeln!(output, "# as-of: {}", header.as_of)?;
    // The builder guarantees these texts fit on one line and hold no `|`.
    if let Some(source) = &header.source {
        writeln!(output, "# source: {source}")?;
    }
    for note in &header.notes {
        writeln!(output, "# note: {note}")?;
    }
    for facility in &header.facilities {
        writeln!(output, "# facility: {} | {} | {}", facility.id, facility.kind, facility.name)?;
    }
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(COLUMNS)?;
    let mut numbers = (itoa_buffer(), itoa_buffer());
    for spec in declaration.specs() {
        let warheads = format_into(&mut numbers.0, spec.warheads);
        let range = spec.range_km.map(|r| format_into(&mut numbers.1, r).to_owned()).unwrap_or_default();
        writer.write_record([
            spec.uid,
            spec.kind,
            spec.type_name,
            spec.facility,
            spec.status.as_str(),
            warheads,
            spec.armament.map_or("", Armament::as_str),
            &range,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

fn itoa_buffer() -> String {
    String::with_capacity(10)
}

fn format_into(buffer: &mut String, value: u32) -> &str {
    use std::fmt::Write as _;
    buffer.clear();
    let _ = write!(buffer, "{value}");
    buffer
}

// ---------------------------------------------------------------------------
// JSON

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDeclaration<I> {
    format: String,
    party: Party,
    as_of: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    facilities: Vec<Facility>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<I>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonItem<S> {
    uid: S,
    kind: S,
    #[serde(rename = "type")]
    type_name: S,
    facility: S,
    status: Status,
    warheads: i64,
    #[serde(default)]
    armament: Option<Armament>,
    #[serde(default)]
    range_km: Option<i64>,
}

/// Reads a JSON declaration (one object with `items`; see the format documentation).
pub fn read_json<R: Read>(input: R, vocabulary: &Vocabulary) -> Result<Declaration, DecodeError> {
    let document: JsonDeclaration<Vec<JsonItem<String>>> =
        serde_json::from_reader(io::BufReader::new(input)).map_err(|e| {
            let location = if e.line() > 0 { Location::Line(e.line() as u64) } else { Location::File };
            DecodeError::new(location, None, e.to_string())
        })?;
    if document.format != FORMAT {
        return Err(DecodeError::new(
            Location::File,
            Some("format"),
            format!("unsupported format {:?}: expected {FORMAT}", document.format),
        ));
    }
    let items =
        document.items.ok_or_else(|| DecodeError::new(Location::File, Some("items"), "missing field `items`"))?;
    let header = Header {
        party: document.party,
        as_of: document.as_of,
        source: document.source,
        notes: document.notes,
        facilities: document.facilities,
    };
    let mut builder = Builder::new(header, vocabulary).map_err(|e| DecodeError::from_field(Location::File, None, e))?;
    builder.reserve(items.len());
    for (index, item) in items.iter().enumerate() {
        let located = |e: FieldError| DecodeError::from_field(Location::Record(index), Some(&item.uid), e);
        let warheads = u32::try_from(item.warheads).map_err(|_| {
            located(FieldError::new(
                "warheads",
                format!("{} is not a number of warheads from 0 to 4,294,967,295", item.warheads),
            ))
        })?;
        let range_km = item
            .range_km
            .map(|r| {
                u32::try_from(r).map_err(|_| {
                    located(FieldError::new("range_km", format!("{r} is not a distance from 0 to 4,294,967,295 km")))
                })
            })
            .transpose()?;
        let spec = ItemSpec {
            uid: &item.uid,
            kind: &item.kind,
            type_name: &item.type_name,
            facility: &item.facility,
            status: item.status,
            armament: item.armament,
            warheads,
            range_km,
        };
        builder.push(&spec).map_err(located)?;
    }
    Ok(builder.finish())
}

/// Writes a declaration as JSON: the header fields, then one item per line.
pub fn write_json<W: Write>(declaration: &Declaration, output: W) -> io::Result<()> {
    let mut output = io::BufWriter::with_capacity(1 << 16, output);
    let header = declaration.header();
    let head = JsonDeclaration {
        format: FORMAT.to_owned(),
        party: header.party.clone(),
        as_of: header.as_of,
        source: header.source.clone(),
        notes: header.notes.clone(),
        facilities: header.facilities.clone(),
        items: None::<()>,
    };
    // Serialise the header alone, then append the items one per line, so that
    // large declarations stay readable and diffable. A pretty-printed object
    // always ends in "\n}", which is where the items go.
    let head = serde_json::to_string_pretty(&head)?;
    output.write_all(&head.as_bytes()[..head.len() - 2])?;
    output.write_all(b",\n  \"items\": [")?;
    for (index, spec) in declaration.specs().enumerate() {
        output.write_all(if index == 0 { b"\n    " } else { b",\n    " })?;
        let item = JsonItem {
            uid: spec.uid,
            kind: spec.kind,
            type_name: spec.type_name,
            facility: spec.facility,
            status: spec.status,
            warheads: i64::from(spec.warheads),
            armament: spec.armament,
            range_km: spec.range_km.map(i64::from),
        };
        serde_json::to_writer(&mut output, &item)?;
    }
    output.write_all(if declaration.is_empty() { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    output.flush()
}
