use super::*;

#[test]
fn durations_read_as_an_sre_writes_them() {
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
    assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
    assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
    for bad in ["", "m", "5d", "-1s", "x"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
    assert_eq!(span(Duration::from_secs(3725)), "1h02m");
    assert_eq!(span(Duration::from_secs(185)), "3m05s");
    assert_eq!(span(Duration::from_secs(42)), "42s");
}

/// Time waiting for an approval is not a node's pace: 2 nodes in 10
/// minutes of which 6 were spent at a gate leave 4 nodes about 8
/// minutes, not 20.
#[test]
fn the_estimate_leaves_out_the_time_waiting_for_approval() {
    let start = Instant::now();
    let mut screen = Screen::new(start);
    let at = |m: u64| start + Duration::from_secs(60 * m);
    assert_eq!(screen.waited(false, at(2)), Duration::ZERO);
    assert_eq!(screen.waited(true, at(2)), Duration::ZERO);
    assert_eq!(screen.waited(true, at(5)), Duration::from_secs(180));
    assert_eq!(screen.waited(false, at(8)), Duration::from_secs(360));
    let waited = screen.waited(false, at(10));
    assert_eq!(waited, Duration::from_secs(360));
    let rolling = Duration::from_secs(600) - waited;
    assert_eq!(estimate(rolling, 2, 4), Some(Duration::from_secs(480)));
    assert_eq!(estimate(rolling, 0, 4), None);
}
