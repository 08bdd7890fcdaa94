//! `history`: the published series, as rows and as a chart.

use crate::*;

const PUBLISHED: &[(&str, &str, u32, u32, u32)] = &[
    ("2011-02-05", "US", 882, 1800, 1124),
    ("2011-02-05", "RU", 521, 1537, 865),
    ("2011-09-01", "US", 822, 1790, 1043),
    ("2011-09-01", "RU", 516, 1566, 871),
    ("2012-03-01", "US", 812, 1737, 1040),
    ("2012-03-01", "RU", 494, 1492, 881),
    ("2012-09-01", "US", 806, 1722, 1034),
    ("2012-09-01", "RU", 491, 1499, 884),
    ("2013-03-01", "US", 792, 1654, 1028),
    ("2013-03-01", "RU", 492, 1480, 900),
    ("2013-09-01", "US", 809, 1688, 1015),
    ("2013-09-01", "RU", 473, 1400, 894),
    ("2014-03-01", "US", 778, 1585, 952),
    ("2014-03-01", "RU", 498, 1512, 906),
    ("2014-09-01", "US", 794, 1642, 912),
    ("2014-09-01", "RU", 528, 1643, 911),
    ("2015-03-01", "US", 785, 1597, 898),
    ("2015-03-01", "RU", 515, 1582, 890),
    ("2015-09-01", "US", 762, 1538, 898),
    ("2015-09-01", "RU", 526, 1648, 877),
    ("2016-03-01", "US", 741, 1481, 878),
    ("2016-03-01", "RU", 521, 1735, 856),
    ("2016-09-01", "US", 681, 1367, 848),
    ("2016-09-01", "RU", 508, 1796, 847),
    ("2017-03-01", "US", 673, 1411, 820),
    ("2017-03-01", "RU", 523, 1765, 816),
    ("2017-09-01", "US", 660, 1393, 800),
    ("2017-09-01", "RU", 501, 1561, 790),
    ("2018-02-05", "US", 652, 1350, 800),
    ("2018-02-05", "RU", 527, 1444, 779),
    ("2018-09-01", "US", 659, 1398, 800),
    ("2018-09-01", "RU", 517, 1420, 775),
    ("2019-03-01", "US", 656, 1365, 800),
    ("2019-03-01", "RU", 524, 1461, 760),
    ("2019-09-01", "US", 668, 1376, 800),
    ("2019-09-01", "RU", 513, 1426, 757),
    ("2020-03-01", "US", 655, 1373, 800),
    ("2020-03-01", "RU", 485, 1326, 754),
    ("2020-09-01", "US", 675, 1457, 800),
    ("2020-09-01", "RU", 510, 1447, 764),
    ("2021-03-01", "US", 651, 1357, 800),
    ("2021-03-01", "RU", 517, 1456, 767),
    ("2021-09-01", "US", 665, 1389, 800),
    ("2021-09-01", "RU", 527, 1458, 742),
    ("2022-03-01", "US", 686, 1515, 800),
    ("2022-03-01", "RU", 526, 1474, 761),
    ("2022-09-01", "US", 659, 1420, 800),
    ("2022-09-01", "RU", 540, 1549, 759),
    ("2023-03-01", "US", 662, 1419, 800),
];

#[test]
fn history_reproduces_every_published_row() {
    let rows = json(&["history", "--json"]);
    let rows: Vec<(String, String, u64, u64, u64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["date"].as_str().unwrap().to_owned(),
                r["party"].as_str().unwrap().to_owned(),
                r["deployed_icbm_slbm_bomber"].as_u64().unwrap(),
                r["deployed_warheads"].as_u64().unwrap(),
                r["deployed_nondeployed_launchers"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64, u64, u64)> = PUBLISHED
        .iter()
        .map(|&(d, p, a, b, c)| (d.to_owned(), p.to_owned(), u64::from(a), u64::from(b), u64::from(c)))
        .collect();
    assert_eq!(rows, expected);
    let us = json(&["history", "--party", "US", "--json"]);
    assert_eq!(us.as_array().unwrap().len(), 25);
    // Every row keeps its source, and unverified cells are marked.
    let all = json(&["history", "--json"]);
    assert!(all.as_array().unwrap().iter().all(|r| !r["source"].as_str().unwrap().is_empty()));
    let marked: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verification"] == "unverified")
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(marked, ["2022-09-01"]);
    // The CSV form is the shipped dataset, byte for byte.
    assert_eq!(ok(&["history", "--csv"]), std::fs::read_to_string(root().join("data/newstart_aggregate.csv")).unwrap());
}

#[test]
fn history_plot_draws_both_parties_against_the_three_limits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.svg");
    ok(&["history", "--plot", path.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"));
    assert_eq!(svg.matches("<g class=\"panel\">").count(), 3);
    for label in
        ["limit 700", "limit 1550", "limit 800", "<title>US</title>", "<title>RU</title>", "limits apply 2018-02-05"]
    {
        assert!(svg.contains(label), "{label}");
    }
    assert_eq!(svg.matches("<polyline").count(), 6, "two parties in each of three panels");
    assert_eq!(svg.matches("<circle").count(), 49 * 3, "every published row in every panel");
    assert!(svg.contains("659 (unverified)"), "unverified values are marked");
}
