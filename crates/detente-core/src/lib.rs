//! The domain model of detente, with no I/O: parties, facilities, items and
//! declarations, their CSV and JSON encodings, and the published aggregate series.
//!
//! Architecture invariant: nothing here touches the disk, the network or the
//! clock. Readers and writers take the `Read`/`Write` their caller opened, and
//! dates are passed in.

pub mod codec;
pub mod date;
pub mod declaration;
pub mod diff;
pub mod error;
pub mod event;
pub mod exercise;
pub mod history;
pub mod ledger;
pub mod model;
mod records;
pub mod time;

pub use date::Date;
pub use declaration::{Declaration, Header, Item, ItemClass, ItemSpec, Lookup};
pub use error::{DecodeError, FieldError, Location, quoted, shortened};
pub use event::{Change, Event, Notice};
pub use ledger::{Admitted, Ledger};
pub use model::{Armament, Facility, Party, Role, Status, Vocabulary};
pub use time::Time;
