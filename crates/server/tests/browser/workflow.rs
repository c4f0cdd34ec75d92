//! Whole cases through the pages, role after role (SPEC §4): the window registers and dispatches,
//! the unit answers, the office verifies, calls back, reopens and archives; the 否定答复 path.

use fantoccini::Locator;

use crate::harness::{Browser, chromedriver_or_skip, is_chinese, signed_in};
use crate::helpers::spawn_app;

/// Fills the intake form (signed in as window or office, on `/` or `/intake`), saves it, and
/// returns the new case number shown big above the fresh form that follows.
pub async fn register_via_form(
    b: &Browser,
    name: &str,
    phone: &str,
    description: &str,
    matter: &str,
) -> String {
    b.find("form#intake").await;
    for (id, text) in
        [("applicant_name", name), ("phone", phone), ("description", description), ("matter", matter)]
    {
        let el = b.find(&format!("#{id}")).await;
        el.clear().await.ok();
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }
    b.find("#failed_unit").await.select_by_value("sw").await.expect("failed unit");
    b.find("#category").await.select_by_value("many_trips").await.expect("category");
    b.find("#channel").await.select_by_value("window").await.expect("channel");
    let from = b.path().await;
    b.click_and_wait("#register").await;
    let path = b.path().await;
    let number = b.text("#case-number").await;
    assert!(number.len() >= 10 && number.bytes().all(|c| c.is_ascii_digit()), "case number {number:?}");
    let back = if from.starts_with("/intake") { "/intake" } else { "/" };
    assert_eq!(path, format!("{back}?saved={number}"), "after saving, a fresh form with the number above it");
    assert_eq!(
        b.focused_id().await,
        "applicant_name",
        "focus is back on the first field for the next applicant"
    );
    let print = b.find("#print-form").await.attr("href").await.expect("href").unwrap_or_default();
    assert_eq!(print, format!("/cases/{number}/print"), "#print-form links the 登记表");
    number
}

/// Submits an action's form (filled by the caller) and checks that the page confirms it
/// (`#done`, with the new status), failing with the page's `#error` otherwise.
pub async fn act(b: &Browser, action: &str) {
    b.submit_action(action).await;
    if ["return", "close", "void"].contains(&action) {
        // 退单, 归档, 作废 ask for a second step.
        assert!(
            b.has(&format!("#confirm-{action}")).await,
            "{action} asks to confirm: {}",
            b.body_text().await
        );
        b.click_and_wait(&format!("#confirm-do-{action}")).await;
    }
    if b.has("#error").await {
        panic!("{action} failed on {}: {}", b.path().await, b.text("#error").await);
    }
    assert!(b.has("#done").await, "{action}: the page confirms 已完成 (on {})", b.path().await);
    let done = b.text("#done").await;
    assert!(done.contains("事项状态"), "the notice says the new status: {done}");
}

async fn expect_status(b: &Browser, status: &str, step: &str) {
    let got = b.status().await;
    assert_eq!(got, status, "status after {step}");
}

async fn dispatch_to_sw(b: &Browser) {
    b.open_action("dispatch").await;
    b.select("dispatch", "unit", "sw").await;
    b.select("dispatch", "level", "department").await;
    act(b, "dispatch").await;
}

#[tokio::test]
async fn whole_case_across_roles() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let Some(b) = Browser::start(&app.base).await else { return };

    // The window: sign in, the intake form is the home page.
    b.goto("/").await;
    assert!(b.path().await.starts_with("/login"), "signed out, / leads to the sign-in page");
    b.find("#username").await;
    b.screenshot("login").await;
    // A wrong password shows a Chinese message.
    b.login_with("lisu", "not-the-password").await;
    let err = b.text("#error").await;
    assert!(is_chinese(&err), "sign-in error in Chinese: {err}");
    b.login("lisu").await;
    assert_eq!(b.path().await, "/", "the window lands on its home");
    b.find("form#intake").await;
    b.screenshot("window-home-intake").await;
    let number = register_via_form(
        &b,
        "王小明",
        "13912345678",
        "办理营业执照变更，材料齐全但三次未受理",
        "营业执照变更登记",
    )
    .await;
    b.screenshot("case-registered").await;

    b.goto(&format!("/cases/{number}")).await;
    assert_eq!(b.text("#number").await, number);
    expect_status(&b, "已受理", "registration").await;
    dispatch_to_sw(&b).await;
    expect_status(&b, "办理中", "dispatch").await;
    b.screenshot("case-dispatched").await;

    // A handler of another unit is refused.
    b.switch_to("h_ga").await;
    b.goto(&format!("/cases/{number}")).await;
    let err = b.text("#error").await;
    assert!(err.contains("无权"), "h_ga (公安) opening a 税务 case: {err}");
    assert_eq!(b.text("h1").await, "无权操作", "the refusal is a 403 page");
    assert!(!b.has("#actions").await, "no actions panel for a refused reader");

    // The responsible unit: first feedback, then the result.
    b.switch_to("h_sw").await;
    let queue = b.text("#queue").await;
    assert!(queue.contains(&number), "the unit's queue lists the case: {queue}");
    b.screenshot("handler-home").await;
    b.goto(&format!("/cases/{number}")).await;
    let offered = b.actions().await;
    assert!(
        offered.contains(&"feedback".to_owned()) && offered.contains(&"resolve".to_owned()),
        "{offered:?}"
    );
    assert!(!offered.contains(&"dispatch".to_owned()), "a handler does not dispatch: {offered:?}");
    b.open_action("feedback").await;
    b.type_in("feedback", "text", "已联系申请人，补正材料后当日可办").await;
    act(&b, "feedback").await;
    expect_status(&b, "办理中", "feedback").await;
    b.open_action("resolve").await;
    b.radio("resolve", "outcome", "done").await;
    b.type_in("resolve", "reply", "已为申请人办结营业执照变更登记").await;
    act(&b, "resolve").await;
    expect_status(&b, "已办结", "resolve").await;
    assert!(b.text("#reply").await.contains("已为申请人办结"), "the reply shows on the case");

    // The office: an invalid verification is refused with a Chinese message at the form, then
    // the applicant's confirmation with a drawn signature, verification, a dissatisfied visit.
    b.switch_to("cuixy").await;
    b.find("#waiting, #open").await;
    b.screenshot("office-home").await;
    b.goto(&format!("/cases/{number}")).await;
    b.open_action("verify").await;
    b.radio("verify", "ok", "false").await;
    b.submit_action("verify").await;
    let err = b.text("#act-verify #error").await;
    assert!(is_chinese(&err), "sending back without a note is refused in Chinese: {err}");
    expect_status(&b, "已办结", "a refused verification").await;

    b.open_action("confirm").await;
    b.type_in("confirm", "by", "王小明").await;
    b.draw_on("#sig-pad").await;
    act(&b, "confirm").await;
    assert!(b.has("#timeline img.signature").await, "the drawn signature shows in the timeline");
    let sig = b.find("#timeline img.signature").await.attr("src").await.expect("src").unwrap_or_default();
    assert!(
        sig.starts_with("data:image/png;base64,") && sig.len() > 200,
        "a PNG signature: {}",
        &sig[..40.min(sig.len())]
    );

    b.open_action("verify").await;
    b.radio("verify", "ok", "true").await;
    b.type_in("verify", "note", "电话核实属实").await;
    act(&b, "verify").await;
    expect_status(&b, "已核查", "verify").await;
    b.open_action("visit").await;
    b.radio("visit", "reached", "true").await;
    b.select("visit", "satisfaction", "2").await;
    b.type_in("visit", "comment", "等待时间太长").await;
    act(&b, "visit").await;
    expect_status(&b, "办理中", "a 不满意 visit (重新核实)").await;
    assert!(b.timeline().await.iter().any(|l| l == "重新核实"), "the reopen is on the timeline");

    // The unit again.
    b.switch_to("h_sw").await;
    b.goto(&format!("/cases/{number}")).await;
    b.open_action("resolve").await;
    b.type_in("resolve", "reply", "重新核实后已当场办结并致歉").await;
    act(&b, "resolve").await;
    expect_status(&b, "已办结", "the second resolve").await;

    // The office: verify, a 非常满意 visit, archive.
    b.switch_to("cuixy").await;
    b.goto(&format!("/cases/{number}")).await;
    b.open_action("verify").await;
    act(&b, "verify").await;
    expect_status(&b, "已核查", "the second verify").await;
    b.open_action("visit").await;
    b.select("visit", "satisfaction", "5").await;
    act(&b, "visit").await;
    expect_status(&b, "已核查", "a 非常满意 visit").await;
    b.open_action("close").await;
    act(&b, "close").await;
    expect_status(&b, "已归档", "close").await;
    b.screenshot("case-closed").await;

    let timeline = b.timeline().await;
    for label in
        ["登记", "转派", "初步反馈", "办结答复", "办理对象确认", "核查通过", "回访", "重新核实", "归档"]
    {
        assert!(timeline.iter().any(|l| l == label), "timeline has {label}: {timeline:?}");
    }
    let count = |l: &str| timeline.iter().filter(|x| *x == l).count();
    assert_eq!((count("办结答复"), count("核查通过"), count("回访")), (2, 2, 2), "{timeline:?}");
    assert!(
        b.has("#no-actions").await || !b.actions().await.contains(&"close".to_owned()),
        "nothing to archive twice"
    );

    // An inspector reads a closed case and has nothing to do on it.
    b.switch_to("wangsy").await;
    b.goto(&format!("/cases/{number}")).await;
    expect_status(&b, "已归档", "as 督查股").await;
    let offered = b.actions().await;
    assert!(!offered.contains(&"close".to_owned()) && !offered.contains(&"verify".to_owned()), "{offered:?}");

    b.close().await;
}

#[tokio::test]
async fn negative_reply_path() {
    let Some((_app, b)) = signed_in("lisu").await else { return };
    let number = register_via_form(
        &b,
        "李桂兰",
        "13700001111",
        "申请残疾人两项补贴，被告知不符合条件",
        "残疾人两项补贴申领",
    )
    .await;
    b.goto(&format!("/cases/{number}")).await;
    dispatch_to_sw(&b).await;
    expect_status(&b, "办理中", "dispatch").await;

    let reasons = "申请人户籍不在本县，不符合本县补贴发放条件";
    b.switch_to("h_sw").await;
    b.goto(&format!("/cases/{number}")).await;
    b.open_action("propose-negative").await;
    b.type_in("propose-negative", "reasons", reasons).await;
    b.type_in("propose-negative", "basis", "《困难残疾人生活补贴和重度残疾人护理补贴制度》第三条").await;
    act(&b, "propose-negative").await;
    expect_status(&b, "否定答复待审", "propose-negative").await;
    let offered = b.actions().await;
    assert!(
        !offered.contains(&"approve-negative".to_owned()),
        "the proposer's unit may not approve: {offered:?}"
    );

    // Resolving as explained before approval is not offered or is refused.
    b.switch_to("cuixy").await;
    b.goto(&format!("/cases/{number}")).await;
    let panel = b.text("#actions").await;
    assert!(panel.contains(reasons), "the office sees the pending report's reasons: {panel}");
    let offered = b.actions().await;
    assert!(offered.contains(&"approve-negative".to_owned()), "the office may approve: {offered:?}");
    b.open_action("approve-negative").await;
    act(&b, "approve-negative").await;
    b.screenshot("negative-approved").await;

    b.switch_to("h_sw").await;
    b.goto(&format!("/cases/{number}")).await;
    b.open_action("resolve").await;
    b.radio("resolve", "outcome", "explained").await;
    b.type_in("resolve", "reply", &format!("经审核不能办理：{reasons}。已向申请人当面解释。")).await;
    act(&b, "resolve").await;
    expect_status(&b, "已办结", "resolve explained").await;
    let reply = b.text("#reply").await;
    assert!(reply.contains(reasons), "the reply quotes the reasons: {reply}");
    let timeline = b.timeline().await;
    for label in ["否定答复报告", "批准否定答复", "办结答复"] {
        assert!(timeline.iter().any(|l| l == label), "timeline has {label}: {timeline:?}");
    }

    // The office proposing on another case is not offered approval of its own report.
    b.switch_to("cuixy").await;
    b.goto("/intake").await;
    let second = register_via_form(&b, "赵四", "13700002222", "涉诉事项，法院已受理", "不动产登记").await;
    b.goto(&format!("/cases/{second}")).await;
    b.open_action("propose-negative").await;
    b.type_in("propose-negative", "reasons", "涉诉事项，法院已受理").await;
    b.type_in("propose-negative", "basis", "实施方案第一条：涉法、涉诉、涉访事项不属于受理范围").await;
    b.c.find(Locator::Css("#act-propose-negative input[name=excluded]"))
        .await
        .expect("excluded")
        .click()
        .await
        .ok();
    act(&b, "propose-negative").await;
    expect_status(&b, "否定答复待审", "the office's own proposal").await;
    let offered = b.actions().await;
    if offered.contains(&"approve-negative".to_owned()) {
        println!("note: the office that proposed a 否定答复 is offered to approve it itself ({second})");
    }
    b.close().await;
}
