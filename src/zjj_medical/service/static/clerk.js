// The clerk's page (一站式结算): sign in, settle or pre-settle a claim, read and print the
// settlement sheet, look up a person's year, reverse a claim. Plain JS, no build step.
"use strict";

// Every word the page shows, in one place: zh first, en the same keys.
const I18N = {
  zh: {
    title: "一站式结算", subtitle: "张家界市健康扶贫医疗保障", signIn: "登录", signInBtn: "登录",
    signOut: "退出", token: "令牌", tokenHint: "令牌由管理员用 zjj-medical token create 生成，只保存在本标签页。",
    signedIn: "已登录", claim: "录入单据", person: "参保人", personId: "个人编号",
    poor: "建档立卡贫困人口", yes: "是", no: "否", county: "参保地", categories: "其他身份",
    tekun: "特困供养人员", dibao: "低保对象", claimFs: "就诊", claimId: "单据号", kind: "类别",
    inpatient: "住院", outpatient: "门诊", date: "出院/就诊日期", accident: "意外伤害",
    facilityId: "医疗机构编号", level: "医疗机构级别", facilityCounty: "医疗机构所在地",
    samePlace: "同参保地", village_clinic: "村卫生室", township: "乡镇卫生院",
    community: "社区卫生服务中心", countyLevel: "县级医院", municipal: "市级医院", provincial: "省级医院",
    total: "医疗费总额（元）", inScope: "政策范围内费用（元）",
    linesSummary: "或粘贴费用明细（JSON 数组）", lines: "费用明细", presettle: "预结算", settle: "结算",
    sheetTitle: "一站式结算单", print: "打印", reverse: "冲销", yearTitle: "年度台账查询",
    yearField: "年度", lookup: "查询", reverseTitle: "冲销结算", cancel: "取消", confirm: "确认",
    tagPre: "预结算 · 未入账", tagSettled: "已结算", tagReversed: "已冲销",
    fPerson: "参保人", fKindDate: "类别 / 日期", fInCounty: "县域内", fPayLater: "先诊疗、后付费",
    fTotal: "医疗费总额", fInScope: "政策范围内费用", fClaim: "单据号", fNote: "入账说明",
    fPolicy: "结算政策", fSettledAt: "结算时间", fSplit: "费用明细分割",
    fulamt_ownpay: "全自费", overlmt_selfpay: "超限价自费", preselfpay: "先行自付", inscp: "符合范围",
    registeredPoor: "建档立卡贫困人口",
    thPayer: "支付方", thAmount: "金额（元）", thWhy: "政策依据与计算",
    reimbursed: "报销合计", patientPay: "个人自付", actualRatio: "实际报销比例", ratioHow: "报销合计 ÷ 医疗费总额",
    base: "基数", deductible: "起付线", ratio: "比例", yearBase: "年度累计", annualDeductible: "年度起付线",
    bands: "分段", capYear: "年度封顶 {cap}，剩余 {left}", capClaim: "每次封顶 {cap}，剩余 {left}",
    sharedBy: "（与 {who} 共用）", cap: "封顶", noCap: "上不封顶", targetOf: { total: "医疗费总额", in_scope: "政策范围内费用" },
    lessPaid: "减去以上已付 {paid}",
    confirmText: "冲销单据 {id}？本年度该参保人此后的单据将按顺序重新结算。此操作会记入台账，不可撤回。",
    reversedMsg: "单据 {id} 已冲销。各基金退回：{refund}。", adjusted: "重新结算的后续单据：{n} 张。",
    ledger: "年度台账", thLayer: "保障层", thPaid: "已支付", thBase: "累计基数", thDeductible: "已负担起付线",
    settlements: "结算记录", thClaim: "单据号", thDate: "日期", thKind: "类别", thTotal: "总额",
    thReimbursed: "报销合计", thPatient: "个人自付", thStatus: "状态", view: "查看", noneYet: "该年度尚无结算。",
    eRequired: "请填写此项。", eMoney: "金额须为非负数，最多两位小数，例如 18000.00。",
    eLines: "费用明细须为 JSON 数组，例如 [{\"code\": …}]。", eYear: "请填写四位年份，例如 2019。",
    eToken: "令牌无效或已过期，请重新登录。", eForbidden: "此令牌无权进行该操作。",
    eNetwork: "无法连接结算服务，请检查网络后重试。", eServer: "结算服务出错（{status}），请稍后重试。",
    eFixFields: "请改正标红的项目。", working: "正在处理……", unknownClaim: "查无此单据。",
  },
  en: {
    title: "One-stop settlement", subtitle: "Zhangjiajie health poverty-alleviation medical security",
    signIn: "Sign in", signInBtn: "Sign in", signOut: "Sign out", token: "Token",
    tokenHint: "An administrator creates tokens with zjj-medical token create; it is kept in this tab only.",
    signedIn: "Signed in", claim: "Enter a claim", person: "Insured person", personId: "Person id",
    poor: "Registered poor", yes: "Yes", no: "No", county: "County of residence", categories: "Other categories",
    tekun: "Extreme poverty support (特困)", dibao: "Minimum living allowance (低保)", claimFs: "Treatment",
    claimId: "Claim id", kind: "Kind", inpatient: "Inpatient", outpatient: "Outpatient",
    date: "Discharge / visit date", accident: "Accidental injury", facilityId: "Facility id",
    level: "Facility level", facilityCounty: "Facility county", samePlace: "Same as residence",
    village_clinic: "Village clinic", township: "Township health centre", community: "Community health centre",
    countyLevel: "County hospital", municipal: "Municipal hospital", provincial: "Provincial hospital",
    total: "Total cost (yuan)", inScope: "In-scope cost (yuan)",
    linesSummary: "Or paste fee lines (a JSON array)", lines: "Fee lines", presettle: "Pre-settle", settle: "Settle",
    sheetTitle: "One-stop settlement sheet", print: "Print", reverse: "Reverse", yearTitle: "A person's year",
    yearField: "Year", lookup: "Look up", reverseTitle: "Reverse the settlement", cancel: "Cancel", confirm: "Confirm",
    tagPre: "Pre-settled · not posted", tagSettled: "Settled", tagReversed: "Reversed",
    fPerson: "Person", fKindDate: "Kind / date", fInCounty: "In-county", fPayLater: "Treat first, pay later",
    fTotal: "Total cost", fInScope: "In-scope cost", fClaim: "Claim id", fNote: "Posting note",
    fPolicy: "Policy", fSettledAt: "Settled at", fSplit: "Fee lines split",
    fulamt_ownpay: "wholly self-paid", overlmt_selfpay: "above the price limit", preselfpay: "paid first", inscp: "in scope",
    registeredPoor: "registered poor",
    thPayer: "Payer", thAmount: "Amount (yuan)", thWhy: "Clause and arithmetic",
    reimbursed: "Reimbursed", patientPay: "Patient pays", actualRatio: "Actual ratio", ratioHow: "reimbursed ÷ total cost",
    base: "base", deductible: "deductible", ratio: "ratio", yearBase: "year's base", annualDeductible: "annual deductible",
    bands: "bands", capYear: "cap {cap} a year, {left} left", capClaim: "cap {cap} a claim, {left} left",
    sharedBy: " (shared by {who})", cap: "cap", noCap: "no cap (上不封顶)", targetOf: { total: "total cost", in_scope: "in-scope cost" },
    lessPaid: "less {paid} paid above",
    confirmText: "Reverse claim {id}? The person's later claims of the year are settled again in order. This is posted to the ledger and cannot be undone.",
    reversedMsg: "Claim {id} is reversed. Refunded per fund: {refund}.", adjusted: "Later claims settled again: {n}.",
    ledger: "The year's ledger", thLayer: "Layer", thPaid: "Paid", thBase: "Year's base", thDeductible: "Deductible borne",
    settlements: "Settlements", thClaim: "Claim", thDate: "Date", thKind: "Kind", thTotal: "Total",
    thReimbursed: "Reimbursed", thPatient: "Patient pays", thStatus: "Status", view: "View", noneYet: "Nothing settled this year.",
    eRequired: "Please fill this in.", eMoney: "An amount is a number ≥ 0 with at most two decimals, e.g. 18000.00.",
    eLines: "Fee lines are a JSON array, e.g. [{\"code\": …}].", eYear: "A four-digit year, e.g. 2019.",
    eToken: "The token is not valid or has expired; please sign in again.", eForbidden: "This token may not do that.",
    eNetwork: "The settlement service cannot be reached; check the network and try again.",
    eServer: "The settlement service failed ({status}); please try again later.",
    eFixFields: "Please correct the fields marked in red.", working: "Working…", unknownClaim: "No such claim.",
  },
};

// Layer names in English (the policy gives the Chinese name with each amount).
const LAYER_EN = {
  basic_insurance: "Basic medical insurance", critical_illness: "Critical-illness insurance",
  special_poverty_insurance: "Special poverty insurance", medical_assistance: "Medical assistance",
  hospital_reduction: "Hospital reduction", fiscal_backstop: "Fiscal backstop",
  outpatient_pooling: "Outpatient pooling",
};
const LAYER_ZH = {
  basic_insurance: "基本医疗保险", critical_illness: "大病保险", special_poverty_insurance: "扶贫特惠保",
  medical_assistance: "医疗救助", hospital_reduction: "医院减免", fiscal_backstop: "财政兜底",
  outpatient_pooling: "门诊统筹",
};

// The service's endpoints.
const API = {
  settle: "/v1/settle",
  presettle: "/v1/presettle",
  claim: (id) => `/v1/claims/${encodeURIComponent(id)}`,
  reverse: (id) => `/v1/claims/${encodeURIComponent(id)}/reverse`,
  year: (pid, y) => `/v1/persons/${encodeURIComponent(pid)}/years/${encodeURIComponent(y)}`,
  check: "/v1/policies",
};

const $ = (sel) => document.querySelector(sel);
let lang = sessionStorage.getItem("zjj-lang") || "zh";
let current = null; // {kind: "pre"|"settled"|"reversed", settlement, record}

function t(key, params) {
  let s = I18N[lang][key] ?? I18N.zh[key] ?? key;
  if (params) s = s.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));
  return s;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
}

function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  document.title = t("title");
  const b = $("#lang");
  b.textContent = lang === "zh" ? "English" : "中文";
  b.lang = lang === "zh" ? "en" : "zh-CN";
  if (current) renderSheet(current);
  if (lastYear) renderYear(lastYear);
}

// -- talking to the service ---------------------------------------------------------------
class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json", "Accept-Language": lang === "zh" ? "zh-CN, en;q=0.5" : "en" };
  const token = sessionStorage.getItem("zjj-token");
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { detail: t("eNetwork") });
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) throw new ApiError(res.status, data && typeof data === "object" ? data : null);
  return data;
}

// Plain words for an API error: 401/403/5xx and network by the page, the rest by the service.
function plainWords(err) {
  if (!(err instanceof ApiError)) return String(err);
  if (err.status === 0) return t("eNetwork");
  if (err.status === 401) return t("eToken");
  const p = err.problem;
  if (err.status === 403) return p.detail ? `${t("eForbidden")}（${p.detail}）` : t("eForbidden");
  if (err.status >= 500) return t("eServer", { status: err.status });
  return p.detail || p.message || p.title || t("eServer", { status: err.status });
}

// The form field a problem points at (its JSON path or field name), or null.
const FIELD_OF = [
  [/^(person\.)?id$|person\.id$|person_id$/, "person_id"],
  [/person\.poor$|^poor$/, "poor"],
  [/person\.county$/, "county"],
  [/categories/, "categories"],
  [/facility\.id$|^facility_id$/, "facility_id"],
  [/facility\.level$|^level$/, "level"],
  [/facility\.county$/, "facility_county"],
  [/facility$/, "level"],
  [/lines/, "lines"],
  [/in_scope$/, "in_scope"],
  [/total$/, "total"],
  [/date$/, "date"],
  [/kind$/, "kind"],
  [/accident$/, "accident"],
  [/claims?(\[\d+\])?\.id$|claim_id$/, "claim_id"],
  [/^county$/, "county"],
];
function fieldOf(problem, scope) {
  const where = [];
  for (const p of [problem, ...(Array.isArray(problem.errors) ? problem.errors : [])]) {
    if (p && p.path) where.push(String(p.path));
    if (p && p.field) where.push((p.claim_id && !String(p.field).includes(".") ? "claim." : "") + p.field);
  }
  for (const w of where) {
    const clean = w.replace(/^\$\.?/, "").replace(/^body\./, "");
    for (const [re, id] of FIELD_OF) {
      if (re.test(clean)) {
        if (!scope || scope.querySelector(`#${id}-err`)) return id;
      }
    }
  }
  return null;
}

function clearErrors(form) {
  for (const e of form.querySelectorAll(".err")) e.textContent = "";
  for (const e of form.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
}

function fieldError(id, words) {
  const box = document.getElementById(`${id}-err`);
  if (box) box.textContent = words;
  const input = document.getElementById(id) || document.querySelector(`[name="${id}"]`);
  if (input) input.setAttribute("aria-invalid", "true");
  return input;
}

function showApiError(err, form, generalId) {
  const words = plainWords(err);
  if (err instanceof ApiError && err.status === 401) signOut(words);
  const id = err instanceof ApiError ? fieldOf(err.problem, form) : null;
  if (id) {
    const input = fieldError(id, words);
    document.getElementById(generalId).textContent = t("eFixFields");
    if (input && input.focus) input.focus();
  } else {
    document.getElementById(generalId).textContent = words;
  }
}

// -- sign in --------------------------------------------------------------------------------
async function signIn(ev) {
  ev.preventDefault();
  const form = $("#signin-form");
  clearErrors(form);
  const token = $("#token").value.trim();
  if (!token) { fieldError("token", t("eRequired")); return; }
  sessionStorage.setItem("zjj-token", token);
  try {
    await api("GET", API.check);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 0)) {
      sessionStorage.removeItem("zjj-token");
      fieldError("token", plainWords(err));
      return;
    }
  }
  $("#token").value = "";
  showSignedIn();
}

function showSignedIn() {
  const on = Boolean(sessionStorage.getItem("zjj-token"));
  $("#signin").hidden = on;
  $("#work").hidden = !on;
  $("#sign-out").hidden = !on;
  $("#who").textContent = on ? t("signedIn") : "";
  $("#who").dataset.t = on ? "signedIn" : "";
  if (!on) $("#token").focus();
}

function signOut(words) {
  sessionStorage.removeItem("zjj-token");
  showSignedIn();
  if (typeof words === "string") fieldError("token", words);
}

// -- the claim ------------------------------------------------------------------------------
const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

function readClaim() {
  const form = $("#claim-form");
  clearErrors(form);
  let bad = null;
  const need = (id) => {
    const v = document.getElementById(id).value.trim();
    if (!v) bad = bad || fieldError(id, t("eRequired"));
    return v;
  };
  const person = {
    id: need("person_id"),
    poor: form.elements.poor.value === "true",
    county: $("#county").value,
    categories: [...form.querySelectorAll("input[name=categories]:checked")].map((c) => c.value),
  };
  const claim = {
    id: need("claim_id"),
    kind: form.elements.kind.value,
    date: need("date"),
    facility: {
      id: need("facility_id"), // a facility token settles its own facility's claims only
      level: $("#level").value,
      county: $("#facility_county").value || person.county,
    },
    accident: $("#accident").value === "true",
  };
  const linesText = $("#lines").value.trim();
  if (linesText) {
    let lines = null;
    try { lines = JSON.parse(linesText); } catch { lines = null; }
    if (!Array.isArray(lines)) bad = bad || fieldError("lines", t("eLines"));
    else claim.lines = lines;
  }
  for (const id of ["total", "in_scope"]) {
    const v = document.getElementById(id).value.trim().replace(/[,，\s]/g, "");
    if (!v && linesText) continue;
    if (!v) bad = bad || fieldError(id, t("eRequired"));
    else if (!MONEY.test(v)) bad = bad || fieldError(id, t("eMoney"));
    else claim[id] = v;
  }
  if (bad) {
    $("#form-err").textContent = t("eFixFields");
    bad.focus();
    return null;
  }
  return { person, claim };
}

async function send(which) {
  const input = readClaim();
  if (!input) return;
  const buttons = [$("#presettle"), $("#settle")];
  buttons.forEach((b) => { b.disabled = true; });
  $("#form-err").textContent = "";
  try {
    // the JSON contract's document: the person and their claim; the store keeps the ledger
    const doc = { person: input.person, claims: [input.claim], ledger: null };
    const res = await api("POST", which === "pre" ? API.presettle : API.settle, doc);
    current = { kind: which === "pre" ? "pre" : "settled", ...unpack(res), person: input.person };
    if (current.kind === "settled") {
      // the stored record adds the policy, the time and any posting note
      try { current.record = await api("GET", API.claim(input.claim.id)); } catch { /* the sheet stands without */ }
    }
    if (input.claim.facility.id) sessionStorage.setItem("zjj-facility", input.claim.facility.id);
    renderSheet(current);
    $("#sheet").hidden = false;
    $("#sheet-msg").textContent = "";
    $("#sheet-h").focus();
    if (!$("#y_person").value) $("#y_person").value = input.person.id;
    if (!$("#y_year").value) $("#y_year").value = input.claim.date.slice(0, 4);
  } catch (err) {
    showApiError(err, $("#claim-form"), "form-err");
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// A response is a stored settlement ({settlement, …}), a contract output ({settlements: […]})
// or a bare settlement.
function unpack(res) {
  if (res && res.settlement) return { settlement: res.settlement, record: res };
  if (res && Array.isArray(res.settlements)) return { settlement: res.settlements[0], record: res };
  return { settlement: res, record: null };
}

// -- the sheet ------------------------------------------------------------------------------
function pct(ratio) {
  if (ratio === null || ratio === undefined) return "—";
  const [i, f = ""] = String(ratio).split(".");
  const g = f.padEnd(4, "0");
  return `${Number(i) * 100 + Number(g.slice(0, 2))}.${g.slice(2, 4)}%`;
}

function layerName(id, name) {
  return lang === "zh" ? (name || LAYER_ZH[id] || id) : (LAYER_EN[id] || id);
}

function how(inputs) {
  const i = inputs || {};
  const [comma, semi, colon] = lang === "zh" ? ["，", "；", "："] : [", ", "; ", ": "];
  const parts = [];
  if ("target_ratio" in i) {
    const of = t("targetOf")[i.target_of] || i.target_of;
    parts.push(`${i.target_ratio} × ${of} ${i.base} = ${i.target}${comma}${t("lessPaid", { paid: i.earlier_layers })}`);
  } else if ("cumulative_after" in i || "base" in i) {
    const base = "cumulative_after" in i
      ? `${t("yearBase")} ${i.cumulative_before} → ${i.cumulative_after}${comma}${t("annualDeductible")} ${i.deductible}`
      : null;
    if ("ratio" in i) {
      parts.push(base ? `${base}${comma}× ${i.ratio}` : `(${i.base} − ${t("deductible")} ${i.deductible}) × ${i.ratio} = ${i.computed}`);
    } else {
      parts.push(base || `${t("base")} ${i.base}${comma}${t("deductible")} ${i.deductible}`);
      const used = (i.bands || []).filter((b) => b.this_claim !== "0.00")
        .map((b) => `${b.this_claim} × ${b.ratio} (${b.from}–${b.to || "∞"})`);
      if (used.length) parts.push(`${t("bands")}${colon}${used.join(comma)} = ${i.computed}`);
    }
  }
  for (const c of i.caps || []) {
    let s = t(c.per === "year" ? "capYear" : "capClaim", { cap: c.cap, left: c.remaining });
    if (c.shared_by) s += t("sharedBy", { who: [].concat(c.shared_by).join("、") });
    parts.push(s);
  }
  if (String(i.cap || "").startsWith("none")) parts.push(t("noCap"));  // the trace's "none (上不封顶)"
  else if (i.cap) parts.push(`${t("cap")}${colon}${i.cap}`);
  return parts.join(semi);
}

function renderSheet(cur) {
  const s = cur.settlement || {};
  const rec = cur.record || {};
  const person = rec.person || cur.person || {};
  const tag = $("#sheet-kind");
  tag.textContent = t({ pre: "tagPre", settled: "tagSettled", reversed: "tagReversed" }[cur.kind]);
  tag.className = `tag ${cur.kind === "pre" ? "pre" : cur.kind === "reversed" ? "rev" : ""}`;
  $("#reverse").hidden = cur.kind !== "settled";
  const yn = (v) => t(v ? "yes" : "no");
  const facts = el("dl", { class: "facts" });
  const fact = (k, v, key) => facts.append(el("dt", { text: t(k) }), el("dd", { text: v, "data-fact": key }));
  fact("fClaim", s.claim_id, "claim_id");
  fact("fPerson", `${person.id || ""}${person.poor ? `  ${t("registeredPoor")}` : ""}`, "person");
  fact("fKindDate", `${t(s.kind) || s.kind} / ${s.date}`, "kind");
  fact("fInCounty", yn(s.in_county), "in_county");
  fact("fPayLater", yn(s.pay_later), "pay_later");
  fact("fTotal", s.total, "total");
  fact("fInScope", s.in_scope, "in_scope");
  if (s.split) {
    fact("fSplit", Object.entries(s.split).map(([k, v]) => `${t(k)} ${v}`).join(" · "), "split");
  }
  if (rec.policy_id) fact("fPolicy", `${rec.policy_id}${rec.policy_version ? ` · ${String(rec.policy_version).slice(0, 12)}` : ""}`, "policy");
  if (rec.settled_at) {
    const at = String(rec.settled_at).replace("T", " ").replace(/\.\d+/, "").replace(/(\+00:00|Z)$/, " UTC");
    fact("fSettledAt", at, "settled_at");
  }
  if (rec.posting_note) fact("fNote", rec.posting_note, "posting_note");

  const rows = (s.trace && s.trace.length)
    ? s.trace
    : Object.entries(s.payments || {}).map(([layer, amount]) => ({ layer, amount }));
  const body = el("tbody", {}, rows.map((e) => el("tr",
    { "data-layer": e.layer, class: e.amount === "0.00" ? "zero" : null },
    el("td", { class: "layer" }, layerName(e.layer, e.name),
      lang === "zh" ? el("small", { lang: "en", text: LAYER_EN[e.layer] || "" }) : el("small", { lang: "zh-CN", text: e.name || LAYER_ZH[e.layer] || "" })),
    el("td", { class: "amt", text: e.amount }),
    el("td", { class: "why" },
      e.clause ? el("div", { class: "clause", lang: "zh-CN", text: e.clause }) : null,
      e.inputs ? el("div", { class: "calc", text: how(e.inputs) }) : null,
      e.note ? el("small", { lang: "en", text: e.note }) : null))));
  const foot = el("tfoot", {},
    el("tr", { "data-total": "reimbursed" }, el("th", { scope: "row", text: t("reimbursed") }), el("td", { class: "amt", text: s.reimbursed }), el("td")),
    el("tr", { "data-total": "patient_pay" }, el("th", { scope: "row", text: t("patientPay") }), el("td", { class: "amt", text: s.patient_pay }), el("td")),
    el("tr", { "data-total": "actual_ratio" }, el("th", { scope: "row", text: t("actualRatio") }), el("td", { class: "amt", text: pct(s.actual_ratio) }), el("td", { class: "why", text: t("ratioHow") })));
  const table = el("table", {},
    el("thead", {}, el("tr", {}, el("th", { scope: "col", text: t("thPayer") }), el("th", { scope: "col", class: "amt", text: t("thAmount") }), el("th", { scope: "col", text: t("thWhy") }))),
    body, foot);
  $("#sheet-body").replaceChildren(facts, table);
}

// -- reversing ------------------------------------------------------------------------------
function askReverse() {
  if (!current || current.kind !== "settled") return;
  const id = current.settlement.claim_id;
  $("#confirm-text").textContent = t("confirmText", { id });
  const dlg = $("#confirm");
  dlg.returnValue = "";
  dlg.showModal();
  dlg.addEventListener("close", async () => {
    if (dlg.returnValue !== "ok") return;
    $("#sheet-msg").textContent = t("working");
    try {
      const res = await api("POST", API.reverse(id));
      current = { ...current, kind: "reversed" };
      renderSheet(current);
      const refund = Object.entries((res && res.refund) || {})
        .filter(([, v]) => v !== "0.00").map(([k, v]) => `${layerName(k)} ${v}`).join("，") || "0.00";
      let msg = t("reversedMsg", { id, refund });
      const n = res && Array.isArray(res.adjustments) ? res.adjustments.length : 0;
      if (n) msg += ` ${t("adjusted", { n })}`;
      $("#sheet-msg").textContent = msg;
      if (lastYear) lookUp();
    } catch (err) {
      $("#sheet-msg").textContent = plainWords(err);
      if (err instanceof ApiError && err.status === 401) signOut(plainWords(err));
    }
  }, { once: true });
}

// -- a person's year ------------------------------------------------------------------------
let lastYear = null;

async function lookUp(ev) {
  if (ev) ev.preventDefault();
  const form = $("#year-form");
  clearErrors(form);
  const pid = $("#y_person").value.trim();
  const year = $("#y_year").value.trim();
  if (!pid) { fieldError("y_person", t("eRequired")).focus(); return; }
  if (!/^\d{4}$/.test(year)) { fieldError("y_year", t("eYear")).focus(); return; }
  try {
    lastYear = await api("GET", API.year(pid, year));
    renderYear(lastYear);
  } catch (err) {
    lastYear = null;
    $("#year-body").replaceChildren();
    if (err instanceof ApiError && err.status === 401) signOut(plainWords(err));
    const id = err instanceof ApiError && /year/.test(String(err.problem.path || err.problem.field || "")) ? "y_year" : "y_person";
    fieldError(id, plainWords(err));
  }
}

function renderYear(data) {
  const ledger = data.ledger || {};
  const layers = ledger.layers || {};
  const lt = el("table", { id: "ledger" },
    el("caption", { text: `${t("ledger")} · ${ledger.person_id || ""} · ${ledger.year || ""}` }),
    el("thead", {}, el("tr", {}, ["thLayer", "thPaid", "thBase", "thDeductible"].map((k, n) => el("th", { scope: "col", class: n ? "amt" : null, text: t(k) })))),
    el("tbody", {}, Object.entries(layers).map(([id, l]) => el("tr", { "data-layer": id },
      el("td", { text: layerName(id) }), el("td", { class: "amt", text: l.paid }),
      el("td", { class: "amt", text: l.base }), el("td", { class: "amt", text: l.deductible })))));
  const list = (data.settlements || []).map((r) => ({ rec: r, s: r.settlement || r }));
  const st = list.length
    ? el("table", { id: "year-settlements" },
      el("caption", { text: t("settlements") }),
      el("thead", {}, el("tr", {}, ["thClaim", "thDate", "thKind", "thTotal", "thReimbursed", "thPatient", ""].map((k, n) => el("th", { scope: "col", class: n >= 3 && n <= 5 ? "amt" : null, text: k ? t(k) : "" })))),
      el("tbody", {}, list.map(({ rec, s }) => {
        const btn = el("button", { type: "button", text: t("view") });
        btn.addEventListener("click", () => {
          current = { kind: "settled", settlement: s, record: rec.settlement ? rec : null, person: rec.person };
          renderSheet(current);
          $("#sheet").hidden = false;
          $("#sheet-msg").textContent = "";
          $("#sheet").scrollIntoView();
        });
        return el("tr", { "data-claim": s.claim_id },
          el("td", { text: s.claim_id }), el("td", { text: s.date }), el("td", { text: t(s.kind) }),
          el("td", { class: "amt", text: s.total }), el("td", { class: "amt", text: s.reimbursed }),
          el("td", { class: "amt", text: s.patient_pay }), el("td", {}, btn));
      })))
    : el("p", { class: "hint", text: t("noneYet") });
  $("#year-body").replaceChildren(lt, st);
}

// -- wiring ---------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("#sheet-h").tabIndex = -1;
  $("#signin-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", () => signOut());
  $("#lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    sessionStorage.setItem("zjj-lang", lang);
    applyLang();
  });
  $("#claim-form").addEventListener("submit", (ev) => { ev.preventDefault(); send("settle"); });
  $("#presettle").addEventListener("click", () => send("pre"));
  $("#settle").addEventListener("click", () => send("settle"));
  $("#print").addEventListener("click", () => window.print());
  $("#reverse").addEventListener("click", askReverse);
  $("#year-form").addEventListener("submit", lookUp);
  if (!$("#date").value) $("#date").value = new Date().toISOString().slice(0, 10);
  if (!$("#facility_id").value) $("#facility_id").value = sessionStorage.getItem("zjj-facility") || "";
  applyLang();
  showSignedIn();
});
