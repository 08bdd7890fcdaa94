//! Upload potential: the warheads a party could add to its deployed forces
//! if the limits lapsed, by putting more on the launchers it has and by
//! bringing back launchers it emptied, and how fast.
//!
//! `U = Σ n·(max − loaded) + Σ restored·max`, within launcher limits and the
//! non-deployed warheads on hand.

use crate::posture::{Posture, System};

/// The limits an upload must respect; `None` is no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Limits {
    /// Deployed launchers (New START: 700).
    pub deployed_launchers: Option<f64>,
    /// Deployed and non-deployed launchers (New START: 800).
    pub launchers: Option<f64>,
    /// Deployed warheads (New START: 1,550).
    pub deployed_warheads: Option<f64>,
}

/// One system's upload.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SystemUpload {
    pub name: String,
    /// Warheads deployed on it today.
    pub today: f64,
    /// Warheads that fit on its deployed launchers.
    pub on_deployed: f64,
    /// Spare launchers brought back within the launcher limits.
    pub restored_launchers: f64,
    /// Warheads on those.
    pub on_restored: f64,
    /// Warheads added, after any cap on the total.
    pub added: f64,
    /// Months to add them at its upload rate (`None` if it has no rate).
    pub months: Option<f64>,
}

/// A party's upload potential.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Upload {
    pub systems: Vec<SystemUpload>,
    pub today: f64,
    pub added: f64,
    pub after: f64,
    /// What stopped the upload short of every launcher's capacity, if anything.
    pub bound_by: Vec<Bound>,
}

/// A limit or a stock that held the upload back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bound {
    DeployedLaunchers,
    Launchers,
    DeployedWarheads,
    ReserveWarheads,
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bound::DeployedLaunchers => "the deployed-launcher limit",
            Bound::Launchers => "the total-launcher limit",
            Bound::DeployedWarheads => "the deployed-warhead limit",
            Bound::ReserveWarheads => "the non-deployed warheads on hand",
        })
    }
}

/// The upload potential of `posture` under `limits`. `non_deployed_launchers`
/// are the launchers already counted under the total-launcher limit beside
/// the deployed ones.
///
/// - Deployed launchers are filled to capacity first: that needs no launcher.
/// - Spare launchers come back while the launcher limits allow, those that
///   carry the most warheads first. A spare launcher that is accountable
///   (a warm silo) already counts toward the total; one that is not (a
///   deactivated tube, a converted bomber) adds to it.
/// - A cap on the total (the deployed-warhead limit, the non-deployed
///   warheads on hand) scales every system's addition by the same factor.
pub fn upload(posture: &Posture, limits: &Limits) -> Upload {
    let deployed: f64 = posture.launchers();
    let counted = deployed + posture.non_deployed_launchers;
    let mut room_deployed = limits.deployed_launchers.map_or(f64::INFINITY, |limit| (limit - deployed).max(0.0));
    let mut room_total = limits.launchers.map_or(f64::INFINITY, |limit| (limit - counted).max(0.0));
    let mut bound_by = Vec::new();

    let mut systems: Vec<SystemUpload> = posture.systems.iter().map(start).collect();
    let mut order: Vec<usize> = (0..posture.systems.len()).collect();
    order.sort_by(|&a, &b| {
        posture.systems[b].max_warheads_per_launcher.total_cmp(&posture.systems[a].max_warheads_per_launcher)
    });
    for index in order {
        let system = &posture.systems[index];
        let total_room = if system.spare_accountable { f64::INFINITY } else { room_total };
        let restored = system.spare_launchers.min(room_deployed).min(total_room);
        if restored < system.spare_launchers {
            bound_by.push(if room_deployed <= total_room { Bound::DeployedLaunchers } else { Bound::Launchers });
        }
        room_deployed -= restored;
        if !system.spare_accountable {
            room_total -= restored;
        }
        systems[index].restored_launchers = restored;
        systems[index].on_restored = restored * system.max_warheads_per_launcher;
    }

    let potential: f64 = systems.iter().map(|s| s.on_deployed + s.on_restored).sum();
    let today = posture.warheads();
    // The tighter of the deployed-warhead limit and the warheads on hand.
    let mut cap = (f64::INFINITY, None);
    if let Some(limit) = limits.deployed_warheads {
        cap = ((limit - today).max(0.0), Some(Bound::DeployedWarheads));
    }
    if let Some(reserve) = posture.reserve_warheads.filter(|&reserve| reserve < cap.0) {
        cap = (reserve, Some(Bound::ReserveWarheads));
    }
    let (cap, binding) = cap;
    if potential > cap {
        bound_by.extend(binding);
    }
    let scale = if potential > cap { cap / potential } else { 1.0 };
    for (upload, system) in systems.iter_mut().zip(&posture.systems) {
        upload.added = (upload.on_deployed + upload.on_restored) * scale;
        upload.months =
            (system.upload_per_month > 0.0 && upload.added > 0.0).then(|| upload.added / system.upload_per_month);
    }
    bound_by.sort();
    bound_by.dedup();
    let added = systems.iter().map(|s| s.added).sum();
    Upload { systems, today, added, after: today + added, bound_by }
}

fn start(system: &System) -> SystemUpload {
    SystemUpload {
        name: system.name.clone(),
        today: system.warheads(),
        on_deployed: system.launchers * (system.max_warheads_per_launcher - system.warheads_per_launcher).max(0.0),
        restored_launchers: 0.0,
        on_restored: 0.0,
        added: 0.0,
        months: None,
    }
}

impl Upload {
    /// Deployed warheads `month` months into the upload, each system adding
    /// at its own rate (systems without a rate add nothing).
    pub fn after_months(&self, posture: &Posture, month: f64) -> f64 {
        self.today
            + self
                .systems
                .iter()
                .zip(&posture.systems)
                .map(|(upload, system)| upload.added.min(system.upload_per_month * month))
                .sum::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn us_2025() -> Posture {
        let scenario = Scenario::parse(include_str!("../../../data/scenarios/fas-2025.toml")).unwrap();
        scenario.posture(&"US".parse().unwrap()).unwrap().clone()
    }

    fn after(upload: &Upload, name_starts: &str) -> f64 {
        upload.systems.iter().filter(|s| s.name.starts_with(name_starts)).map(|s| s.today + s.added).sum()
    }

    /// FAS (2023): Minuteman III 400 → 950 warheads; 240 Trident II × 8 =
    /// 1,920; the 56 deactivated tubes add 448 more.
    #[test]
    fn the_published_us_upload_arithmetic() {
        let mut us = us_2025();
        us.reserve_warheads = None;
        for system in &mut us.systems {
            if system.kind != crate::posture::Kind::Slbm {
                continue;
            }
            // FAS's 1,920 leaves the deactivated tubes out.
            system.spare_launchers = 0.0;
        }
        let upload = upload(&us, &Limits::default());
        assert_eq!(format!("{:.1}", after(&upload, "Minuteman III")), "950.0");
        assert_eq!(format!("{:.1}", after(&upload, "Trident II")), "1920.0");

        let with_tubes = super::upload(&us_2025(), &Limits::default());
        let tubes = with_tubes.systems.iter().find(|s| s.name.starts_with("Trident II")).unwrap();
        assert_eq!((tubes.restored_launchers, tubes.on_restored), (56.0, 448.0));
    }

    #[test]
    fn launcher_limits_hold_spare_launchers_back() {
        let us = us_2025();
        // New START: 700 deployed launchers, 800 in all. The posture has 688
        // deployed and 112 non-deployed: 12 may come back, and only
        // accountable ones (warm silos) fit under the 800.
        let limits = Limits { deployed_launchers: Some(700.0), launchers: Some(800.0), deployed_warheads: None };
        let upload = upload(&us, &limits);
        let restored: f64 = upload.systems.iter().map(|s| s.restored_launchers).sum();
        assert_eq!(restored, 12.0);
        let silos = upload.systems.iter().find(|s| s.name == "Minuteman III (Mk12A/W78)").unwrap();
        assert_eq!(silos.restored_launchers, 12.0, "warm silos already count under the 800");
        assert!(upload.bound_by.contains(&Bound::DeployedLaunchers));
        // With the warhead limit too, nothing can be added above 1,550.
        let capped = super::upload(&us, &Limits { deployed_warheads: Some(1550.0), ..limits });
        assert_eq!(capped.added, 0.0);
        assert!(capped.bound_by.contains(&Bound::DeployedWarheads));
    }

    #[test]
    fn the_reserve_caps_an_upload_and_time_runs_at_each_rate() {
        let us = us_2025();
        let upload = upload(&us, &Limits::default());
        // 1,930 reserve warheads are fewer than the launchers could take.
        assert!((upload.added - 1930.0).abs() < 1e-9, "{}", upload.added);
        assert_eq!(upload.bound_by, vec![Bound::ReserveWarheads]);
        assert_eq!(upload.after_months(&us, 0.0), upload.today);
        let slowest = upload.systems.iter().filter_map(|s| s.months).fold(0.0, f64::max);
        assert!((upload.after_months(&us, slowest) - upload.after).abs() < 1e-9);
        assert!(upload.after_months(&us, 1.0) < upload.after);
    }
}
