//! Strategic stability analysis, as pure functions over force postures.
//!
//! - [`exchange`]: lethal radius, single-shot kill probability, damage
//!   expectancy with several warheads and fratricide.
//! - [`posture`]: what each party fields, system by system.
//! - [`stability`]: crisis (first-strike) stability by Kent and Thaler's method.
//!
//! Architecture invariant: no I/O, no clock, no global randomness. Scenario
//! texts are handed in; random draws come from seeds passed in.

pub mod declared;
pub mod exchange;
pub mod montecarlo;
pub mod params;
pub mod posture;
pub mod race;
pub mod scenario;
pub mod stability;
pub mod trilateral;
pub mod upload;
