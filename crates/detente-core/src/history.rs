//! The published New START aggregate numbers: one row per party and data exchange.
//!
//! The dataset is `data/newstart_aggregate.csv` (schema in
//! `docs/formats/aggregate.md`). Every row carries its sources and a
//! verification mark, because some published cells rest on one source or none.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::error::{DecodeError, Location, shortened};
use crate::model::Party;

/// How well a published figure is supported by the sources we found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verification {
    /// Two or more independent sources agree.
    #[serde(rename = "2+")]
    TwoOrMore,
    /// One source.
    #[serde(rename = "1")]
    One,
    /// One source, with some cells derived from its stated changes.
    #[serde(rename = "1+derived")]
    OneAndDerived,
    /// Computed from a source's stated numbers.
    Derived,
    /// No source retrieved; the value is a recollection.
    Unverified,
}

/// One party's aggregate numbers as of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateRow {
    #[serde(rename = "date")]
    pub as_of: Date,
    pub party: Party,
    /// Deployed ICBMs, deployed SLBMs and deployed heavy bombers (Article II.1(a)).
    #[serde(rename = "deployed_icbm_slbm_bomber")]
    pub deployed_delivery_vehicles: u32,
    /// Warheads on deployed ICBMs and SLBMs plus those counted for deployed heavy bombers (II.1(b)).
    pub deployed_warheads: u32,
    /// Deployed and non-deployed ICBM and SLBM launchers and heavy bombers (II.1(c)).
    #[serde(rename = "deployed_nondeployed_launchers")]
    pub launchers: u32,
    pub verification: Verification,
    /// Columns of this row that no retrieved source confirms, separated by `;`.
    #[serde(default)]
    pub unverified: String,
    pub source: String,
}

impl AggregateRow {
    /// The three central-limit figures in the order of Article II.1 (a), (b), (c).
    pub fn figures(&self) -> [u32; 3] {
        [self.deployed_delivery_vehicles, self.deployed_warheads, self.launchers]
    }

    pub fn is_verified(&self, column: &str) -> bool {
        self.verification != Verification::Unverified && !self.unverified.split(';').any(|c| c.trim() == column)
    }
}

/// The columns of the aggregate dataset, in order.
pub const AGGREGATE_COLUMNS: [&str; 8] = [
    "date",
    "party",
    "deployed_icbm_slbm_bomber",
    "deployed_warheads",
    "deployed_nondeployed_launchers",
    "verification",
    "unverified",
    "source",
];

/// Writes rows in the dataset's own CSV form (quoting only where needed).
pub fn write_aggregates<W: std::io::Write>(rows: &[AggregateRow], output: W) -> csv::Result<()> {
    // The header is written even for no rows, so that what is written reads back.
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(output);
    writer.write_record(AGGREGATE_COLUMNS)?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// Reads the aggregate dataset, checking its columns, its dates' order and that no
/// (date, party) pair appears twice.
pub fn read_aggregates<R: Read>(input: R) -> Result<Vec<AggregateRow>, DecodeError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let headers = reader.headers().map_err(|e| DecodeError::new(Location::Line(1), None, shortened(&e.to_string())))?;
    if headers.iter().ne(AGGREGATE_COLUMNS) {
        let message = format!("expected the columns {}", AGGREGATE_COLUMNS.join(","));
        return Err(DecodeError::new(Location::Line(1), None, message));
    }
    let headers = headers.clone();
    let mut rows: Vec<AggregateRow> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let read = reader.read_record(&mut record).map_err(|e| {
            let at = e.position().map_or(Location::File, |p| Location::Line(p.line()));
            DecodeError::new(at, None, shortened(&e.to_string()))
        })?;
        if !read {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        let at = Location::Line(line);
        let row: AggregateRow = record.deserialize(Some(&headers)).map_err(|e| {
            // The crate's own message repeats the position; keep only what went wrong.
            let (field, message) = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    (err.field().and_then(|i| AGGREGATE_COLUMNS.get(i as usize)).copied(), err.kind().to_string())
                }
                _ => (None, e.to_string()),
            };
            DecodeError::new(at, field, shortened(&message))
        })?;
        if let Some(previous) = rows.last().filter(|previous| previous.as_of > row.as_of) {
            let message = format!("{} comes after {}: rows must be in date order", row.as_of, previous.as_of);
            return Err(DecodeError::new(at, Some("date"), message));
        }
        if rows.iter().any(|r| r.as_of == row.as_of && r.party == row.party) {
            let message = format!("a second row for {} as of {}", row.party, row.as_of);
            return Err(DecodeError::new(at, Some("party"), message));
        }
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_real_line() {
        let header = AGGREGATE_COLUMNS.join(",");
        // The first row's source spans two lines, so the second row starts on line 4.
        let text = format!("{header}\n2012-03-01,US,1,2,3,2+,,\"a source\non two lines\"\n2011-02-05,US,1,2,3,2+,,s\n");
        let error = read_aggregates(text.as_bytes()).unwrap_err();
        assert_eq!((error.location, error.field.as_deref()), (Location::Line(4), Some("date")), "{error}");
        let text = format!("{header}\n2011-02-05,US,1,-2,3,2+,,s\n");
        let error = read_aggregates(text.as_bytes()).unwrap_err();
        assert_eq!((error.location, error.field.as_deref()), (Location::Line(2), Some("deployed_warheads")), "{error}");
        // For an unknown enum value the CSV reader does not say which column; the value is named.
        let text = format!("{header}\n2011-02-05,US,1,2,3,maybe,,s\n");
        let error = read_aggregates(text.as_bytes()).unwrap_err();
        assert_eq!(error.location, Location::Line(2));
        assert!(error.to_string().starts_with("line 2: unknown variant `maybe`"), "{error}");
    }

    #[test]
    fn no_rows_round_trip() {
        let mut written = Vec::new();
        write_aggregates(&[], &mut written).unwrap();
        assert_eq!(String::from_utf8(written.clone()).unwrap(), format!("{}\n", AGGREGATE_COLUMNS.join(",")));
        assert_eq!(read_aggregates(written.as_slice()).unwrap(), []);
    }
}
