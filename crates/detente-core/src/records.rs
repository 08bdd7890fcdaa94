//! Splits CSV text into records, by the rules the `csv` crate's reader follows
//! with its default settings: fields separated by `,`, quoted with `"` (a quote
//! inside doubled), a record ended by `\n`, `\r` or `\r\n`, blank lines skipped.
//! Each record comes with the line it starts on, counting every `\n`.
//!
//! Why not that reader itself: it walks every byte through a state machine,
//! which was a quarter of the time to decode a million-row declaration. Here a
//! line with no quote, which is nearly every line a declaration has, is split at
//! its commas in place, its delimiters found eight bytes at a time. A record with
//! a quote goes through the same state machine (`csv_core`), so quoting behaves
//! exactly as before; a property test compares the two on arbitrary input.

use std::io::{self, Read};
use std::ops::Range;

/// How much is read at a time. A longer line grows the buffer to fit.
const CHUNK: usize = 1 << 18;

pub(crate) struct Records<R> {
    input: R,
    buffer: Vec<u8>,
    /// The unread part of `buffer`.
    start: usize,
    end: usize,
    at_eof: bool,
    /// The line that `buffer[start]` is on.
    line: u64,
    machine: csv_core::Reader,
    /// The unescaped bytes of a record that went through the state machine.
    unquoted: Vec<u8>,
    ends: Vec<usize>,
    fields: Vec<Range<usize>>,
}

/// One record: its bytes and where each field lies in them.
pub(crate) struct Record<'a> {
    pub line: u64,
    pub bytes: &'a [u8],
    pub fields: &'a [Range<usize>],
    /// Whether it went through the state machine: then its fields lie side by
    /// side, unquoted, and need not end at a character boundary.
    pub quoted: bool,
}

impl<R: Read> Records<R> {
    /// Reads records from `already_read` (bytes taken from the input before, such
    /// as a header row), then the rest of `input`; `line` is the line the first starts on.
    pub(crate) fn new(already_read: Vec<u8>, input: R, line: u64) -> Records<R> {
        let mut machine = csv_core::Reader::new();
        // The machine skips a byte order mark at the start of what it is first
        // given; mid-file, it is data. A blank line as its first input spends that.
        let (result, ..) = machine.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        debug_assert!(matches!(result, csv_core::ReadRecordResult::InputEmpty));
        let end = already_read.len();
        Records {
            input,
            buffer: already_read,
            start: 0,
            end,
            at_eof: false,
            line,
            machine,
            unquoted: Vec::new(),
            ends: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// The next record, or `None` at the end of the input.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        if !self.skip_blank_lines()? {
            return Ok(None);
        }
        // One pass over the line finds its end and its commas; a quote sends the
        // record to the state machine. A line that runs past the buffer is scanned
        // on from where the scan stopped, so a long line is read once, not once per read.
        self.fields.clear();
        let mut field_start = 0;
        let mut scanned = 0;
        loop {
            let bytes = &self.buffer[self.start..self.end];
            let mut line_end = None;
            for i in Delimiters::in_bytes(&bytes[scanned..]).map(|i| scanned + i) {
                match bytes[i] {
                    b',' => {
                        self.fields.push(field_start..i);
                        field_start = i + 1;
                    }
                    b'\n' => line_end = Some((i, i + 1)),
                    // A carriage return ends a record, with the line feed after it if any.
                    b'\r' => match bytes.get(i + 1) {
                        Some(b'\n') => line_end = Some((i, i + 2)),
                        Some(_) => line_end = Some((i, i + 1)),
                        None if self.at_eof => line_end = Some((i, i + 1)),
                        None => break,
                    },
                    _ => return self.through_machine().map(Some),
                }
                if line_end.is_some() {
                    break;
                }
            }
            let (length, consumed) = match line_end {
                Some(end) => end,
                None if self.at_eof => (bytes.len(), bytes.len()),
                None => {
                    // A carriage return last is looked at again, with what follows it.
                    scanned = bytes.len() - usize::from(bytes.last() == Some(&b'\r'));
                    self.refill()?;
                    continue;
                }
            };
            self.fields.push(field_start..length);
            let (from, line) = (self.start, self.line);
            if bytes[consumed - 1] == b'\n' {
                self.line += 1;
            }
            self.start += consumed;
            let bytes = &self.buffer[from..from + length];
            return Ok(Some(Record { line, bytes, fields: &self.fields, quoted: false }));
        }
    }

    /// Passes the line ends before a record, which end empty records and are
    /// skipped. Returns whether anything is left.
    fn skip_blank_lines(&mut self) -> io::Result<bool> {
        loop {
            while let Some(&byte @ (b'\n' | b'\r')) = self.buffer[self.start..self.end].first() {
                self.line += u64::from(byte == b'\n');
                self.start += 1;
            }
            if self.start < self.end {
                return Ok(true);
            }
            if self.at_eof {
                return Ok(false);
            }
            self.refill()?;
        }
    }

    /// Moves the unread bytes to the front and reads more after them.
    fn refill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buffer.len() < self.end + CHUNK {
            self.buffer.resize(self.end + CHUNK, 0);
        }
        let read = loop {
            match self.input.read(&mut self.buffer[self.end..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.end += read;
        self.at_eof = read == 0;
        Ok(())
    }

    /// A record with a quote in it, through the state machine, which may read
    /// past the line into the next ones.
    fn through_machine(&mut self) -> io::Result<Record<'_>> {
        use csv_core::ReadRecordResult as Result;
        let line = self.line;
        let (mut written, mut ended) = (0, 0);
        loop {
            if self.unquoted.len() == written {
                self.unquoted.resize((written * 2).max(256), 0);
            }
            if self.ends.len() == ended {
                self.ends.resize((ended * 2).max(16), 0);
            }
            let input = &self.buffer[self.start..self.end];
            let (result, read, wrote, ends) =
                self.machine.read_record(input, &mut self.unquoted[written..], &mut self.ends[ended..]);
            self.line += memchr::memchr_iter(b'\n', &input[..read]).count() as u64;
            self.start += read;
            written += wrote;
            ended += ends;
            match result {
                Result::InputEmpty if !self.at_eof => self.refill()?,
                // Given no input, the machine takes it that the input has ended.
                Result::InputEmpty | Result::OutputFull | Result::OutputEndsFull => {}
                // (The machine is called only once a record has begun, so it never
                // reports the end of the input without a record first.)
                Result::Record | Result::End => break,
            }
        }
        self.fields.clear();
        let mut field_start = 0;
        for &field_end in &self.ends[..ended] {
            self.fields.push(field_start..field_end);
            field_start = field_end;
        }
        Ok(Record { line, bytes: &self.unquoted[..written], fields: &self.fields, quoted: true })
    }
}

/// The offsets of the bytes a line's scan stops at (`,` `\n` `\r` `"`), found
/// eight bytes at a time: between them, fields run about eight bytes long, and a
/// byte-by-byte loop spent most of its time on the bytes in between.
struct Delimiters<'a> {
    bytes: &'a [u8],
    /// The offset of the word `found` marks.
    word: usize,
    /// The high bit of each delimiter byte in the word at `word`.
    found: u64,
}

impl<'a> Delimiters<'a> {
    #[inline]
    fn in_bytes(bytes: &'a [u8]) -> Delimiters<'a> {
        let mut delimiters = Delimiters { bytes, word: 0, found: 0 };
        delimiters.found = delimiters.mark(0);
        delimiters
    }

    /// The delimiters of the (up to) eight bytes at `at`.
    #[inline]
    fn mark(&self, at: usize) -> u64 {
        const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
        const LOW: u64 = u64::from_ne_bytes([0x7F; 8]);
        // Past the end, the word is padded with zeros, which are no delimiters.
        let word = match self.bytes.get(at..at + 8) {
            Some(eight) => <[u8; 8]>::try_from(eight).map_or(0, u64::from_le_bytes),
            None => {
                let mut chunk = [0u8; 8];
                let rest = &self.bytes[at.min(self.bytes.len())..];
                chunk[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(chunk)
            }
        };
        // A byte of `x` is zero exactly when its high bit is clear in
        // `((x & LOW) + LOW) | x`; no carry crosses bytes, so none is marked wrongly.
        let equal_to = |byte: u8| {
            let x = word ^ (ONES * u64::from(byte));
            !(((x & LOW).wrapping_add(LOW)) | x | LOW)
        };
        equal_to(b',') | equal_to(b'\n') | equal_to(b'\r') | equal_to(b'"')
    }
}

impl Iterator for Delimiters<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.found == 0 {
            self.word += 8;
            if self.word >= self.bytes.len() {
                return None;
            }
            self.found = self.mark(self.word);
        }
        let at = self.word + (self.found.trailing_zeros() / 8) as usize;
        self.found &= self.found - 1;
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record as (line, fields), read by `Records`.
    fn split(input: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut records = Records::new(Vec::new(), input, 1);
        let mut out = Vec::new();
        while let Some(record) = records.next_record().unwrap() {
            let fields = record.fields.iter().map(|f| record.bytes[f.clone()].to_vec()).collect();
            out.push((record.line, fields));
        }
        out
    }

    /// The same, read by the `csv` crate. Its reported offset may fall on the line
    /// ends it skipped before the record, so the line is that of the first byte after them.
    fn split_by_csv(input: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let mut byte = record.position().unwrap().byte() as usize;
            while input.get(byte).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                byte += 1;
            }
            let newlines = input[..byte].iter().filter(|&&b| b == b'\n').count();
            out.push((1 + newlines as u64, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    #[test]
    fn plain_lines_split_at_commas_and_count_from_the_first_line() {
        let records = split(b"a,b,,c\n\nd\r\ne,f");
        let fields = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(records, [(1, fields(&["a", "b", "", "c"])), (3, fields(&["d"])), (4, fields(&["e", "f"]))]);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_record_on_the_same_line() {
        let fields = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(split(b"a\rb\nc"), [(1, fields(&["a"])), (1, fields(&["b"])), (2, fields(&["c"]))]);
    }

    #[test]
    fn a_quoted_field_keeps_its_commas_quotes_and_line_breaks() {
        let input = b"x,\"a, \"\"b\"\"\nc\"\ny\n";
        let fields = |v: &[&str]| v.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        assert_eq!(split(input), [(1, fields(&["x", "a, \"b\"\nc"])), (3, fields(&["y"]))]);
    }

    #[test]
    fn lines_and_quoted_fields_longer_than_a_read_are_whole() {
        let long = "z".repeat(CHUNK * 2 + 17);
        let input = format!("a\n{long},{long}\n\"{long}\n{long}\",b\nc\n");
        let records = split(input.as_bytes());
        assert_eq!(records.len(), 4);
        assert_eq!(records[1].1, [long.as_bytes(), long.as_bytes()]);
        assert_eq!(records[2].1, [format!("{long}\n{long}").as_bytes(), b"b"]);
        assert_eq!((records[2].0, records[3].0), (3, 5));
        assert_eq!(records, split_by_csv(input.as_bytes()));
    }

    #[test]
    fn a_carriage_return_at_the_end_of_a_read_waits_for_what_follows() {
        // The reader hands out one byte at a time, so every line runs past a read.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let input = b"a,b\r\nc\rd,\"e\"\r\nf";
        let mut records = Records::new(Vec::new(), Trickle(input), 1);
        let mut trickled = Vec::new();
        while let Some(record) = records.next_record().unwrap() {
            let fields = record.fields.iter().map(|f| record.bytes[f.clone()].to_vec()).collect::<Vec<_>>();
            trickled.push((record.line, fields));
        }
        assert_eq!(trickled, split(input));
        assert_eq!(trickled, split_by_csv(input));
    }

    #[test]
    fn a_byte_order_mark_inside_the_file_is_data() {
        let input = "a\n\u{feff}b,\"c\"\n";
        assert_eq!(split(input.as_bytes())[1].1, ["\u{feff}b".as_bytes(), b"c"]);
    }

    #[test]
    fn delimiters_are_found_at_every_offset_of_a_word() {
        for length in 0..20 {
            for at in 0..length {
                for delimiter in [b',', b'\n', b'\r', b'"'] {
                    let mut bytes = vec![b'a'; length];
                    bytes[at] = delimiter;
                    // Bytes one away from a delimiter's value are not delimiters.
                    bytes.iter_mut().take(at).for_each(|b| *b = delimiter + 1);
                    assert_eq!(Delimiters::in_bytes(&bytes).collect::<Vec<_>>(), [at], "{bytes:?}");
                }
            }
        }
        let bytes = b"\xFF\x80,\x2D\x0B\x0E\"\x8A\x8D\xAC\xA2";
        assert_eq!(Delimiters::in_bytes(bytes).collect::<Vec<_>>(), [2, 6]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn delimiters_are_the_bytes_a_scan_would_stop_at(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let expected: Vec<usize> =
                bytes.iter().enumerate().filter(|(_, b)| matches!(b, b',' | b'\n' | b'\r' | b'"')).map(|(i, _)| i).collect();
            prop_assert_eq!(Delimiters::in_bytes(&bytes).collect::<Vec<_>>(), expected);
        }

        #[test]
        fn records_and_lines_are_those_of_the_csv_crate(
            body in proptest::collection::vec(
                prop_oneof![Just(b'a'), Just(b','), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b' '), Just(0xC3)],
                0..64,
            )
        ) {
            // A first record, so that neither reader sees the start of the input
            // (where the `csv` crate would skip a byte order mark).
            let input = [b"h\n".as_slice(), &body].concat();
            prop_assert_eq!(split(&input), split_by_csv(&input));
        }
    }
}
