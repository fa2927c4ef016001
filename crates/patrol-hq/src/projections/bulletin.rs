//! The daily bulletin: one paragraph from a day's figures, in the style of the source story
//! ("11月29日，全市共出动巡逻防控警力906人次、警车167台次，发动群防力量886名……"), in Chinese or
//! English. Only [`DailyStats`] goes in, so every number in the text is the API's number for
//! that day. Zero sub-counts are left out of the "其中" lists; a zero total is said as zero.

use patrol_model::v1::DailyStats;
use patrol_model::{ViolationType, VolunteerCategory};
use std::fmt::Write as _;

/// The bulletin's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    /// `zh-CN` (the default) or `en`.
    pub fn parse(s: Option<&str>) -> Option<Lang> {
        match s.map(str::trim) {
            None | Some("" | "zh-CN" | "zh" | "zh-cn") => Some(Lang::ZhCn),
            Some("en" | "en-US" | "en-GB") => Some(Lang::En),
            Some(_) => None,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

fn volunteer_zh(c: VolunteerCategory) -> &'static str {
    match c {
        VolunteerCategory::PatrolTeam => "186巡防队员",
        VolunteerCategory::RedVest => "“红袖章、红马甲”积极分子",
        VolunteerCategory::CommunityCadre => "社区街道干部",
        VolunteerCategory::GridWorker => "网格员",
        VolunteerCategory::PropertyStaff => "小区物业",
        VolunteerCategory::SecurityGuard => "保安力量",
    }
}

fn volunteer_en(c: VolunteerCategory) -> &'static str {
    match c {
        VolunteerCategory::PatrolTeam => "from the 186 patrol team",
        VolunteerCategory::RedVest => "red armbands and red vests",
        VolunteerCategory::CommunityCadre => "community cadres",
        VolunteerCategory::GridWorker => "grid workers",
        VolunteerCategory::PropertyStaff => "property staff",
        VolunteerCategory::SecurityGuard => "security guards",
    }
}

fn violation_zh(v: ViolationType) -> &'static str {
    match v {
        ViolationType::DrunkDriving => "酒驾醉驾",
        ViolationType::NoHelmet => "不戴头盔",
        ViolationType::IllegalPassenger => "违规载人",
        ViolationType::UmbrellaRig => "非法加装伞具",
        ViolationType::RedLight => "闯红灯",
        ViolationType::IllegalParking => "违停",
        ViolationType::Jaywalking => "行人闯红灯",
        ViolationType::OtherTraffic => "其他交通违法",
    }
}

fn violation_en(v: ViolationType) -> &'static str {
    match v {
        ViolationType::DrunkDriving => "drunk driving",
        ViolationType::NoHelmet => "no helmet",
        ViolationType::IllegalPassenger => "illegal passengers",
        ViolationType::UmbrellaRig => "illegal umbrella rigs",
        ViolationType::RedLight => "red-light running",
        ViolationType::IllegalParking => "illegal parking",
        ViolationType::Jaywalking => "jaywalking",
        ViolationType::OtherTraffic => "other traffic violations",
    }
}

/// `(label, n)` for every non-zero count, in the enum's order.
fn nonzero<K: Copy + Ord>(
    counts: &std::collections::BTreeMap<K, u32>,
    label: fn(K) -> &'static str,
) -> Vec<(&'static str, u32)> {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (label(*k), *n))
        .collect()
}

/// The bulletin for `s`'s day.
pub fn bulletin(s: &DailyStats, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => zh(s),
        Lang::En => en(s),
    }
}

fn zh(s: &DailyStats) -> String {
    use chrono::Datelike;
    let mut t = String::new();
    let _ = write!(
        t,
        "{}月{}日，全市共出动巡逻防控警力{}人次、警车{}台次，巡逻{:.1}公里，驻点到岗{}次；发动群防力量{}名",
        s.date.month(),
        s.date.day(),
        s.officer_trips,
        s.vehicle_trips,
        s.km_patrolled,
        s.post_visits,
        s.volunteers_total,
    );
    let v = nonzero(&s.volunteers_by_category, volunteer_zh);
    if !v.is_empty() {
        let list: Vec<String> = v.iter().map(|(l, n)| format!("{l}{n}名")).collect();
        let _ = write!(t, "，其中{}", list.join("、"));
    }
    let _ = write!(t, "。开展群众救助{}起", s.assistance_cases);
    let mut sub = Vec::new();
    if s.medical_escorts > 0 {
        sub.push(format!("开辟绿色通道{}起", s.medical_escorts));
    }
    if s.lost_persons > 0 {
        sub.push(format!("帮助走失人员{}起", s.lost_persons));
    }
    if !sub.is_empty() {
        let _ = write!(t, "（其中{}）", sub.join("、"));
    }
    let _ = write!(
        t,
        "，化解群众纠纷{}起，接处警情{}起",
        s.disputes_resolved, s.incidents
    );
    if s.thefts > 0 {
        let _ = write!(t, "（其中盗窃{}起）", s.thefts);
    }
    let _ = write!(
        t,
        "，处置交通事故{}起。查处交通违法{}起",
        s.traffic_accidents, s.violations_total
    );
    let v = nonzero(&s.violations_by_type, violation_zh);
    if !v.is_empty() {
        let list: Vec<String> = v.iter().map(|(l, n)| format!("{l}{n}起")).collect();
        let _ = write!(t, "，其中{}", list.join("、"));
    }
    if s.seized_items > 0 {
        let _ = write!(t, "；收缴非法加装伞具等物品{}件", s.seized_items);
    }
    t.push('。');
    if let Some(DispatchTotals {
        calls: n,
        on_scene: on,
        within,
        judged,
        tiers,
    }) = dispatch_totals(s)
    {
        let list: Vec<String> = tiers
            .iter()
            .map(|(m, w, j)| format!("{m}分钟级{w}/{j}"))
            .collect();
        let _ = write!(
            t,
            "全天派警{n}起，警力到场{on}起，按“1-3-5分钟”要求按时到场{within}起（应到{judged}起"
        );
        if !list.is_empty() {
            let _ = write!(t, "；{}", list.join("、"));
        }
        t.push_str("）。");
    }
    t
}

/// The day's dispatches, for the bulletin's sentence.
struct DispatchTotals {
    calls: u32,
    on_scene: u32,
    within: u32,
    judged: u32,
    /// `(minutes, within, judged)` of each tier that had calls to judge.
    tiers: Vec<(u8, u32, u32)>,
}

/// The day's dispatches when there were any.
fn dispatch_totals(s: &DailyStats) -> Option<DispatchTotals> {
    let n: u32 = s.dispatch.iter().map(|t| t.dispatches).sum();
    if n == 0 {
        return None;
    }
    let on = s.dispatch.iter().map(|t| t.on_scene).sum();
    let within = s.dispatch.iter().map(|t| t.within_target).sum();
    let judged = s.dispatch.iter().map(|t| t.judged).sum();
    let tiers = s
        .dispatch
        .iter()
        .filter(|t| t.judged > 0)
        .map(|t| (t.tier, t.within_target, t.judged))
        .collect();
    Some(DispatchTotals {
        calls: n,
        on_scene: on,
        within,
        judged,
        tiers,
    })
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn en(s: &DailyStats) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        "On {}, the city deployed {} and {} on patrol and post duty, covering {:.1} km with {}; {} joined them",
        s.date.format("%-d %B"),
        plural(s.officer_trips, "officer-trip", "officer-trips"),
        plural(s.vehicle_trips, "vehicle-trip", "vehicle-trips"),
        s.km_patrolled,
        plural(s.post_visits, "post visit", "post visits"),
        plural(s.volunteers_total, "volunteer", "volunteers"),
    );
    let v = nonzero(&s.volunteers_by_category, volunteer_en);
    if !v.is_empty() {
        let list: Vec<String> = v.iter().map(|(l, n)| format!("{n} {l}")).collect();
        let _ = write!(t, " ({})", list.join(", "));
    }
    let _ = write!(
        t,
        ". Officers handled {}",
        plural(s.assistance_cases, "assistance case", "assistance cases")
    );
    let mut sub = Vec::new();
    if s.medical_escorts > 0 {
        sub.push(plural(
            s.medical_escorts,
            "medical escort",
            "medical escorts",
        ));
    }
    if s.lost_persons > 0 {
        sub.push(plural(s.lost_persons, "lost person", "lost persons"));
    }
    if !sub.is_empty() {
        let _ = write!(t, " ({})", sub.join(", "));
    }
    let _ = write!(
        t,
        ", resolved {} on the spot and responded to {}",
        plural(s.disputes_resolved, "dispute", "disputes"),
        plural(s.incidents, "incident", "incidents"),
    );
    if s.thefts > 0 {
        let _ = write!(t, " ({})", plural(s.thefts, "theft", "thefts"));
    }
    let _ = write!(
        t,
        " and {}. {} were dealt with",
        plural(s.traffic_accidents, "traffic accident", "traffic accidents"),
        plural(
            s.violations_total,
            "traffic violation",
            "traffic violations"
        ),
    );
    let v = nonzero(&s.violations_by_type, violation_en);
    if !v.is_empty() {
        let list: Vec<String> = v.iter().map(|(l, n)| format!("{n} {l}")).collect();
        let _ = write!(t, ": {}", list.join(", "));
    }
    if s.seized_items > 0 {
        let _ = write!(t, "; {} seized", plural(s.seized_items, "item", "items"));
    }
    t.push('.');
    if let Some(DispatchTotals {
        calls: n,
        on_scene: on,
        within,
        judged,
        tiers,
    }) = dispatch_totals(s)
    {
        let _ = write!(
            t,
            " Units were dispatched to {}, were on scene at {on}, and reached {within} of {judged} \
             in time for the 1-3-5 minute target",
            plural(n, "call", "calls")
        );
        if !tiers.is_empty() {
            let list: Vec<String> = tiers
                .iter()
                .map(|(m, w, j)| format!("{m} min: {w}/{j}"))
                .collect();
            let _ = write!(t, " ({})", list.join(", "));
        }
        t.push('.');
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> DailyStats {
        DailyStats {
            date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            timezone: "Asia/Shanghai".into(),
            ..DailyStats::default()
        }
    }

    fn story_day() -> DailyStats {
        let mut s = day(2026, 11, 29);
        s.officer_trips = 906;
        s.vehicle_trips = 167;
        s.volunteers_total = 886;
        for (c, n) in [
            (VolunteerCategory::PatrolTeam, 37),
            (VolunteerCategory::RedVest, 132),
            (VolunteerCategory::CommunityCadre, 213),
            (VolunteerCategory::GridWorker, 62),
            (VolunteerCategory::PropertyStaff, 151),
            (VolunteerCategory::SecurityGuard, 291),
        ] {
            s.volunteers_by_category.insert(c, n);
        }
        s.assistance_cases = 3;
        s.medical_escorts = 1;
        s.lost_persons = 1;
        s.disputes_resolved = 1;
        s.incidents = 2;
        s.thefts = 1;
        s.traffic_accidents = 1;
        s.violations_total = 12;
        s.violations_by_type.insert(ViolationType::NoHelmet, 9);
        s.violations_by_type.insert(ViolationType::DrunkDriving, 1);
        s.violations_by_type.insert(ViolationType::UmbrellaRig, 2);
        s.violations_by_type.insert(ViolationType::RedLight, 0);
        s.seized_items = 2;
        s.km_patrolled = 1234.56;
        s.post_visits = 42;
        s
    }

    #[test]
    fn chinese_bulletin_reads_like_the_story() {
        assert_eq!(
            bulletin(&story_day(), Lang::ZhCn),
            "11月29日，全市共出动巡逻防控警力906人次、警车167台次，巡逻1234.6公里，驻点到岗42次；\
             发动群防力量886名，其中186巡防队员37名、“红袖章、红马甲”积极分子132名、社区街道干部213名、\
             网格员62名、小区物业151名、保安力量291名。开展群众救助3起（其中开辟绿色通道1起、帮助走失人员1起），\
             化解群众纠纷1起，接处警情2起（其中盗窃1起），处置交通事故1起。查处交通违法12起，\
             其中酒驾醉驾1起、不戴头盔9起、非法加装伞具2起；收缴非法加装伞具等物品2件。"
        );
    }

    #[test]
    fn english_bulletin_says_the_same_numbers() {
        assert_eq!(
            bulletin(&story_day(), Lang::En),
            "On 29 November, the city deployed 906 officer-trips and 167 vehicle-trips on patrol and \
             post duty, covering 1234.6 km with 42 post visits; 886 volunteers joined them (37 from \
             the 186 patrol team, 132 red armbands and red vests, 213 community cadres, 62 grid \
             workers, 151 property staff, 291 security guards). Officers handled 3 assistance cases \
             (1 medical escort, 1 lost person), resolved 1 dispute on the spot and responded to 2 \
             incidents (1 theft) and 1 traffic accident. 12 traffic violations were dealt with: 1 \
             drunk driving, 9 no helmet, 2 illegal umbrella rigs; 2 items seized."
        );
    }

    #[test]
    fn a_quiet_day_says_zero_and_lists_nothing() {
        let s = day(2026, 1, 5);
        let zh = bulletin(&s, Lang::ZhCn);
        assert!(
            zh.starts_with("1月5日，全市共出动巡逻防控警力0人次"),
            "{zh}"
        );
        assert!(!zh.contains("其中"), "{zh}");
        assert!(zh.ends_with("查处交通违法0起。"), "{zh}");
        let en = bulletin(&s, Lang::En);
        assert!(
            en.starts_with("On 5 January, the city deployed 0 officer-trips"),
            "{en}"
        );
        assert!(
            en.ends_with("0 traffic violations were dealt with."),
            "{en}"
        );
    }

    #[test]
    fn dispatches_add_a_sentence_with_the_share_in_time_per_tier() {
        use patrol_model::v1::DispatchTierStats;
        let mut s = day(2026, 11, 29);
        s.dispatch = vec![
            DispatchTierStats {
                tier: 1,
                dispatches: 3,
                on_scene: 3,
                judged: 3,
                within_target: 2,
                ..Default::default()
            },
            DispatchTierStats {
                tier: 3,
                dispatches: 1,
                ..Default::default()
            },
            DispatchTierStats {
                tier: 5,
                ..Default::default()
            },
        ];
        let zh = bulletin(&s, Lang::ZhCn);
        assert!(
            zh.ends_with(
                "全天派警4起，警力到场3起，按“1-3-5分钟”要求按时到场2起（应到3起；1分钟级2/3）。"
            ),
            "{zh}"
        );
        let en = bulletin(&s, Lang::En);
        assert!(
            en.ends_with(
                "Units were dispatched to 4 calls, were on scene at 3, and reached 2 of 3 in time \
                 for the 1-3-5 minute target (1 min: 2/3)."
            ),
            "{en}"
        );
        // Tiers all zero: no sentence.
        s.dispatch.iter_mut().for_each(|t| t.dispatches = 0);
        assert!(!bulletin(&s, Lang::ZhCn).contains("派警"));
    }

    #[test]
    fn languages_parse() {
        assert_eq!(Lang::parse(None), Some(Lang::ZhCn));
        assert_eq!(Lang::parse(Some("en")), Some(Lang::En));
        assert_eq!(Lang::parse(Some("fr")), None);
    }
}
