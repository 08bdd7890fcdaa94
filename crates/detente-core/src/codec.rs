//! Declarations in and out: the CSV and JSON encodings documented in
//! `docs/formats/declaration.md`.
//!
//! Readers and writers work on any `Read`/`Write` the caller hands them; the
//! core never opens a file. Every decoding error names the line (CSV) or the
//! record (JSON), the unique identifier when one was read, and the field.

use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::declaration::{Builder, Declaration, FieldError, Header, ItemSpec};
use crate::error::{bare, quoted, shortened};
use crate::model::{Armament, Facility, Party, Status, Vocabulary};
use crate::records::{Record, Records};

/// The format tag detente writes; [`FORMAT_1`] files (before links) are read too.
pub const FORMAT: &str = "detente-declaration/2";

/// The first format: no `launcher` column, so no links.
pub const FORMAT_1: &str = "detente-declaration/1";

/// The CSV columns, in the order detente writes them.
pub const COLUMNS: [&str; 9] =
    ["uid", "kind", "type", "facility", "status", "warheads", "armament", "range_km", "launcher"];

/// The columns of a [`FORMAT_1`] file.
const COLUMNS_1: usize = 8;

pub use crate::error::{DecodeError, Location};

/// Which of the two formats a file says it is in.
fn version(format: &str) -> Option<usize> {
    match format {
        FORMAT => Some(COLUMNS.len()),
        FORMAT_1 => Some(COLUMNS_1),
        _ => None,
    }
}

fn unsupported(format: &str) -> String {
    format!("unsupported format {}: expected {FORMAT} (or {FORMAT_1})", quoted(format))
}

/// Parses a whole number written with digits only (no sign, no spaces).
fn parse_count(field: &'static str, text: &str, what: &str) -> Result<u32, FieldError> {
    if text.starts_with('-') && text.len() > 1 && text[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(field, format!("{} is negative: give {what}, 0 or more", bare(text))));
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(field, format!("{} is not a whole number of {what}", quoted(text))));
    }
    text.parse().map_err(|_| FieldError::new(field, format!("{} is too large (at most 4,294,967,295)", bare(text))))
}

fn parse_warheads(text: &str) -> Result<u32, FieldError> {
    parse_count("warheads", text, "warheads emplaced")
}

fn parse_range(text: &str) -> Result<Option<u32>, FieldError> {
    if text.is_empty() { Ok(None) } else { parse_count("range_km", text, "kilometres").map(Some) }
}

fn parse_armament(text: &str) -> Result<Option<Armament>, FieldError> {
    if text.is_empty() {
        Ok(None)
    } else {
        text.parse().map(Some).map_err(|e: crate::error::ArmamentError| FieldError::new("armament", e.to_string()))
    }
}

// ---------------------------------------------------------------------------
// CSV

/// Reads a CSV declaration: a `#` preamble (format, party, as-of, source, notes,
/// facilities), then a header row naming the columns in any order, then one row per item.
pub fn read_csv<R: Read>(input: R, vocabulary: &Vocabulary) -> Result<Declaration, DecodeError> {
    let mut input = io::BufReader::with_capacity(1 << 16, input);
    skip_byte_order_mark(&mut input)?;
    let (header, columns_in_format, header_row, preamble_lines) = read_preamble(&mut input)?;
    let header_line = preamble_lines + 1;
    let mut builder = Builder::new(header, vocabulary).map_err(|e| DecodeError::from_field(Location::File, None, e))?;

    let mut records = Records::new(header_row, input, header_line);
    let names: Vec<&str> = match records.next_record().map_err(read_error)? {
        Some(record) => {
            let text = text_of(&record)?;
            record.fields.iter().map(|field| &text[field.clone()]).collect()
        }
        None => Vec::new(),
    };
    let columns = column_order(&names, &COLUMNS[..columns_in_format], header_line)?;
    let read = push_rows(&mut records, &columns, &mut builder);
    builder.finish_after(read)
}

/// Reads the item rows into `builder`, stopping at the first that is malformed.
fn push_rows<R: Read>(
    records: &mut Records<R>,
    columns: &[usize],
    builder: &mut Builder<'_>,
) -> Result<(), DecodeError> {
    while let Some(record) = records.next_record().map_err(read_error)? {
        let line = record.line;
        if record.fields.len() != columns.len() {
            let message = format!("{} fields where the header has {}", record.fields.len(), columns.len());
            return Err(DecodeError::new(Location::Line(line), None, message));
        }
        let text = text_of(&record)?;
        let field = |column: usize| columns.get(column).map_or("", |&position| &text[record.fields[position].clone()]);
        let uid = field(0);
        let located = |e: FieldError| DecodeError::from_field(Location::Line(line), Some(uid), e);
        let launcher = field(8);
        let spec = ItemSpec {
            uid,
            kind: field(1),
            type_name: field(2),
            facility: field(3),
            status: field(4)
                .parse()
                .map_err(|e: crate::error::StatusError| located(FieldError::new("status", e.to_string())))?,
            warheads: parse_warheads(field(5)).map_err(located)?,
            armament: parse_armament(field(6)).map_err(located)?,
            range_km: parse_range(field(7)).map_err(located)?,
            launcher: (!launcher.is_empty()).then_some(launcher),
        };
        builder.push_at(&spec, Location::Line(line)).map_err(located)?;
    }
    Ok(())
}

/// Maps each column of the format to its position in the file's header row.
fn column_order(headers: &[&str], expected: &[&str], line: u64) -> Result<Vec<usize>, DecodeError> {
    let mut order = vec![usize::MAX; expected.len()];
    for (position, &name) in headers.iter().enumerate() {
        let Some(column) = expected.iter().position(|c| *c == name) else {
            let message = if COLUMNS.contains(&name) {
                format!("column {} is new in {FORMAT}: say so in the format line", quoted(name))
            } else {
                format!("unknown column {}: expected the columns {}", quoted(name), expected.join(","))
            };
            return Err(DecodeError::new(Location::Line(line), Some(name), message));
        };
        if order[column] != usize::MAX {
            let message = format!("column {} appears twice", quoted(name));
            return Err(DecodeError::new(Location::Line(line), Some(name), message));
        }
        order[column] = position;
    }
    if let Some(missing) = order.iter().position(|&p| p == usize::MAX) {
        return Err(DecodeError::new(
            Location::Line(line),
            Some(expected[missing]),
            format!("missing column {}", quoted(expected[missing])),
        ));
    }
    Ok(order)
}

/// A record's text, refused unless each of its fields is UTF-8.
///
/// The record's bytes being UTF-8 as a whole is not enough: a quoted record's
/// fields lie side by side without the commas between them, so a character
/// can begin at the end of one field and end at the start of the next
/// (`"\xC3",\xA9` is `é` once unquoted). Such a record is refused, as the `csv`
/// crate refuses it; the fields of a plain record end at commas, which are
/// always character boundaries.
fn text_of<'a>(record: &Record<'a>) -> Result<&'a str, DecodeError> {
    let not_utf8 = || DecodeError::new(Location::Line(record.line), None, "not valid UTF-8");
    let text = std::str::from_utf8(record.bytes).map_err(|_| not_utf8())?;
    let whole = |field: &std::ops::Range<usize>| text.is_char_boundary(field.start) && text.is_char_boundary(field.end);
    if !record.quoted || record.fields.iter().all(whole) { Ok(text) } else { Err(not_utf8()) }
}

fn read_error(error: io::Error) -> DecodeError {
    DecodeError::new(Location::File, None, shortened(&error.to_string()))
}

/// Skips a UTF-8 byte order mark, which some spreadsheets write at the start of a file.
fn skip_byte_order_mark<R: BufRead>(input: &mut R) -> Result<(), DecodeError> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let start = input.fill_buf().map_err(|e| DecodeError::new(Location::File, None, e.to_string()))?;
    if start.starts_with(BOM) {
        input.consume(BOM.len());
    }
    Ok(())
}

/// Reads the `# key: value` lines before the header row. Returns the header, the
/// number of columns its format has, the header row itself (to hand back to the
/// CSV reader) and the number of preamble lines.
fn read_preamble<R: BufRead>(input: &mut R) -> Result<(Header, usize, Vec<u8>, u64), DecodeError> {
    /// A value that may be given once, remembered with the line that gave it.
    fn once<T>(slot: &mut Option<(T, u64)>, value: T, line: u64, key: &str) -> Result<(), DecodeError> {
        match slot {
            Some((_, first)) => {
                let message = format!("a second \"{key}\" line (the first is line {first})");
                Err(DecodeError::new(Location::Line(line), Some(key), message))
            }
            None => {
                *slot = Some((value, line));
                Ok(())
            }
        }
    }
    let mut format = None;
    let mut party = None;
    let mut as_of = None;
    let mut source = None;
    let mut notes = Vec::new();
    let mut facilities: Vec<Facility> = Vec::new();
    let mut line_number = 0u64;
    let mut raw = Vec::new();
    loop {
        raw.clear();
        let read =
            input.read_until(b'\n', &mut raw).map_err(|e| DecodeError::new(Location::File, None, e.to_string()))?;
        if read == 0 {
            let message = "the file ends before the header row (uid,kind,type,…)";
            return Err(DecodeError::new(Location::Line(line_number + 1), None, message));
        }
        line_number += 1;
        if !raw.starts_with(b"#") {
            break;
        }
        let at = || Location::Line(line_number);
        let text = std::str::from_utf8(&raw).map_err(|_| DecodeError::new(at(), None, "not valid UTF-8"))?;
        let text = text[1..].trim();
        if text.is_empty() {
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            let message = format!("preamble line {} is not \"key: value\"", quoted(text));
            return Err(DecodeError::new(at(), None, message));
        };
        let (key, value) = (key.trim(), value.trim());
        let invalid = |message: String| DecodeError::new(at(), Some(key), message);
        let located = |e: FieldError| DecodeError::new(at(), Some(e.field), e.message);
        match key {
            "format" => once(&mut format, value.to_owned(), line_number, key)?,
            "party" => once(&mut party, value.parse::<Party>().map_err(|e| invalid(e.to_string()))?, line_number, key)?,
            "as-of" => once(&mut as_of, value.parse::<Date>().map_err(|e| invalid(e.to_string()))?, line_number, key)?,
            "source" => {
                crate::declaration::one_line_text("source", value).map_err(located)?;
                once(&mut source, value.to_owned(), line_number, key)?;
            }
            "note" => notes.push(value.to_owned()),
            "facility" => {
                let parts: Vec<_> = value.split('|').map(str::trim).collect();
                let [id, kind, name] = parts[..] else {
                    return Err(invalid("a facility is \"ID | kind | name\"".to_owned()));
                };
                let facility = Facility { id: id.to_owned(), kind: kind.to_owned(), name: name.to_owned() };
                crate::declaration::check_facility(&facility).map_err(located)?;
                if facilities.iter().any(|f| f.id == facility.id) {
                    return Err(invalid(format!("facility {} is declared twice", facility.id)));
                }
                facilities.push(facility);
            }
            other => {
                let message = format!(
                    "unknown preamble key {}: expected format, party, as-of, source, note or facility",
                    quoted(other)
                );
                return Err(invalid(message));
            }
        }
    }
    let missing = |key: &str, example: &str| {
        DecodeError::new(Location::Line(1), Some(key), format!("missing \"# {key}: {example}\" line"))
    };
    let (format, format_line) = format.ok_or_else(|| missing("format", FORMAT))?;
    let columns = version(&format)
        .ok_or_else(|| DecodeError::new(Location::Line(format_line), Some("format"), unsupported(&format)))?;
    let party = party.ok_or_else(|| missing("party", "US"))?.0;
    let as_of = as_of.ok_or_else(|| missing("as-of", "YYYY-MM-DD"))?.0;
    let source = source.map(|(text, _)| text);
    let links = columns == COLUMNS.len();
    Ok((Header { party, as_of, source, notes, facilities, links }, columns, raw, line_number - 1))
}

/// The format a declaration is written in: [`FORMAT_1`] for one that links no
/// missile to a launcher because it was read from that format (written as
/// [`FORMAT`], it would say every missile is in no launcher), else [`FORMAT`].
fn format_of(declaration: &Declaration) -> &'static str {
    if declaration.header().links { FORMAT } else { FORMAT_1 }
}

/// Writes a declaration as CSV, preamble first, columns in the documented order
/// (without the `launcher` column in [`FORMAT_1`]).
pub fn write_csv<W: Write>(declaration: &Declaration, output: W) -> io::Result<()> {
    let mut output = io::BufWriter::with_capacity(1 << 16, output);
    let header = declaration.header();
    writeln!(output, "# format: {}", format_of(declaration))?;
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
    let columns = if header.links { COLUMNS.len() } else { COLUMNS_1 };
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(&COLUMNS[..columns])?;
    for spec in declaration.specs() {
        let warheads = spec.warheads.to_string();
        let range = spec.range_km.map(|r| r.to_string()).unwrap_or_default();
        let record = [
            spec.uid,
            spec.kind,
            spec.type_name,
            spec.facility,
            spec.status.as_str(),
            &warheads,
            spec.armament.map_or("", Armament::as_str),
            &range,
            spec.launcher.unwrap_or_default(),
        ];
        writer.write_record(&record[..columns])?;
    }
    writer.flush()?;
    Ok(())
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    launcher: Option<S>,
}

/// A serde error with the path to the value at fault, located as the CSV reader
/// locates its errors: `items[3]` and field `status`, or the header field.
fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> DecodeError {
    use serde_path_to_error::Segment;
    let inner = error.inner();
    // serde_json ends its message with the position, which is given once, at the end.
    let message = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    let message = shortened(message.strip_suffix(&suffix).unwrap_or(&message));
    let message = if inner.line() == 0 {
        message
    } else {
        format!("{message} (line {}, column {})", inner.line(), inner.column())
    };
    let segments: Vec<String> = error
        .path()
        .iter()
        .map(|segment| match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } if key.len() > crate::error::QUOTE_LIMIT => quoted(key).to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".to_owned(),
        })
        .collect();
    let field = |parts: &[String]| -> Option<String> {
        let mut path = String::new();
        for part in parts {
            if !path.is_empty() && !part.starts_with('[') {
                path.push('.');
            }
            path.push_str(part);
        }
        (!path.is_empty()).then_some(path)
    };
    match &error.path().iter().collect::<Vec<_>>()[..] {
        [Segment::Map { key }, Segment::Seq { index }, ..] if key == "items" => {
            DecodeError { location: Location::Record(*index), uid: None, field: field(&segments[2..]), message }
        }
        _ => DecodeError { location: Location::File, uid: None, field: field(&segments), message },
    }
}

/// Reads a JSON declaration (one object with `items`; see the format documentation).
pub fn read_json<R: Read>(input: R, vocabulary: &Vocabulary) -> Result<Declaration, DecodeError> {
    let mut input = io::BufReader::new(input);
    skip_byte_order_mark(&mut input)?;
    let mut deserializer = serde_json::Deserializer::from_reader(input);
    let document: JsonDeclaration<Vec<JsonItem<String>>> =
        serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|e| DecodeError::new(Location::File, None, shortened(&e.to_string())))?;
    let linked = version(&document.format)
        .ok_or_else(|| DecodeError::new(Location::File, Some("format"), unsupported(&document.format)))?
        == COLUMNS.len();
    let items =
        document.items.ok_or_else(|| DecodeError::new(Location::File, Some("items"), "missing field `items`"))?;
    let header = Header {
        party: document.party,
        as_of: document.as_of,
        source: document.source,
        notes: document.notes,
        facilities: document.facilities,
        links: linked,
    };
    let mut builder = Builder::new(header, vocabulary).map_err(|e| DecodeError::from_field(Location::File, None, e))?;
    builder.reserve(items.len());
    let read = push_items(&items, linked, &mut builder);
    builder.finish_after(read)
}

/// Adds the JSON items to `builder`, stopping at the first that is malformed.
fn push_items(items: &[JsonItem<String>], linked: bool, builder: &mut Builder<'_>) -> Result<(), DecodeError> {
    for (index, item) in items.iter().enumerate() {
        let located = |e: FieldError| DecodeError::from_field(Location::Record(index), Some(&item.uid), e);
        if item.launcher.is_some() && !linked {
            return Err(located(FieldError::new("launcher", format!("launcher is new in {FORMAT}: say so in format"))));
        }
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
            launcher: item.launcher.as_deref(),
        };
        builder.push_at(&spec, Location::Record(index)).map_err(located)?;
    }
    Ok(())
}

/// Writes a declaration as JSON: the header fields, then one item per line.
pub fn write_json<W: Write>(declaration: &Declaration, output: W) -> io::Result<()> {
    let mut output = io::BufWriter::with_capacity(1 << 16, output);
    let header = declaration.header();
    let head = JsonDeclaration {
        format: format_of(declaration).to_owned(),
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
            launcher: spec.launcher,
        };
        serde_json::to_writer(&mut output, &item)?;
    }
    output.write_all(if declaration.is_empty() { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PREAMBLE: &[u8] =
        b"# format: detente-declaration/2\n# party: US\n# as-of: 2020-09-01\n# facility: MINOT | icbm-base | Minot AFB\n";
    const HEADER: &[u8] = b"uid,kind,type,facility,status,warheads,armament,range_km,launcher\n";

    fn read(parts: &[&[u8]]) -> Result<Declaration, DecodeError> {
        read_csv(parts.concat().as_slice(), &Vocabulary::new(["icbm"]))
    }

    #[test]
    fn a_character_split_between_two_quoted_fields_is_not_utf8() {
        // `\xC3\xA9` is `é`: whole inside one quoted field it is read.
        let whole = read(&[PREAMBLE, HEADER, b"M1,icbm,\"Minuteman \xC3\xA9\",MINOT,deployed,1,,,\n"]).unwrap();
        assert_eq!(whole.specs().next().unwrap().type_name, "Minuteman é");

        // Split between the type and the facility of an item: refused at its line.
        let split = read(&[PREAMBLE, HEADER, b"M1,icbm,\"Minuteman \xC3\",\xA9MINOT,deployed,1,,,\n"]);
        let error = split.expect_err("a split character is not UTF-8");
        assert_eq!((error.location, error.message.as_str()), (Location::Line(6), "not valid UTF-8"));

        // Split between two names of the header row.
        let header = b"uid,kind,\"type\xC3\",\xA9facility,status,warheads,armament,range_km,launcher\n";
        let error = read(&[PREAMBLE, header]).expect_err("a split character is not UTF-8");
        assert_eq!((error.location, error.message.as_str()), (Location::Line(5), "not valid UTF-8"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// `text_of` accepts a record exactly when the `csv` crate reads it as
        /// text, and then gives the same fields.
        #[test]
        fn records_are_text_exactly_when_the_csv_crate_reads_them_as_text(
            body in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(0xC3), Just(0xA9), Just(0xE2)],
                0..48,
            )
        ) {
            let input = [b"h\n".as_slice(), &body].concat();
            let mut records = Records::new(Vec::new(), input.as_slice(), 1);
            let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input.as_slice());
            let mut byte_record = csv::ByteRecord::new();
            while let Some(record) = records.next_record().unwrap() {
                prop_assert!(reader.read_byte_record(&mut byte_record).unwrap());
                let ours = text_of(&record).ok().map(|text| {
                    record.fields.iter().map(|field| text[field.clone()].to_owned()).collect::<Vec<_>>()
                });
                let theirs = csv::StringRecord::from_byte_record(byte_record.clone())
                    .ok()
                    .map(|r| r.iter().map(str::to_owned).collect::<Vec<_>>());
                prop_assert_eq!(ours, theirs);
            }
            prop_assert!(!reader.read_byte_record(&mut byte_record).unwrap());
        }
    }
}
