//! The domain's words, by slug: patrol modes, volunteer categories, violation types, incident
//! kinds and outcomes. Shared by the officer's app (spread into zh-CN.ts) and the command
//! centre's page (hq-web), so both screens say the same word for the same slug.

const terms = {
  'patrol.mode.foot': '步巡',
  'patrol.mode.car': '车巡',
  'patrol.mode.motorcycle': '铁骑',
  'patrol.mode.e-bike': '电动车巡',
  'patrol.mode.bicycle': '自行车巡',
  'volunteer.category.patrol-team': '巡防队员',
  'volunteer.category.red-vest': '红袖章/红马甲',
  'volunteer.category.community-cadre': '社区街道干部',
  'volunteer.category.grid-worker': '网格员',
  'volunteer.category.property-staff': '小区物业',
  'volunteer.category.security-guard': '保安',
  'violation.type.drunk-driving': '酒驾醉驾',
  'violation.type.no-helmet': '不戴头盔',
  'violation.type.illegal-passenger': '违规载人',
  'violation.type.umbrella-rig': '加装伞具',
  'violation.type.red-light': '闯红灯',
  'violation.type.illegal-parking': '违停',
  'violation.type.jaywalking': '行人闯红灯',
  'violation.type.other-traffic': '其他交通违法',
  'lost.outcome.reunited-with-family': '已与家人团聚',
  'lost.outcome.handed-to-station': '移交派出所',
  'lost.outcome.escorted-home': '护送回家',
  'lost.outcome.ongoing': '仍在处置',
  'accident.outcome.cars-moved': '已挪车',
  'accident.outcome.insurance-advised': '已告知理赔',
  'accident.outcome.settled-on-site': '当场协商解决',
  'accident.outcome.referred-to-traffic-unit': '移交交警处理',
  'accident.outcome.ambulance-called': '已呼叫救护车',
  'incident.kind.theft': '盗窃',
  'incident.kind.other': '其他',
  'incident.outcome.suspect-caught': '嫌疑人已抓获',
  'incident.outcome.property-recovered': '财物已追回',
  'incident.outcome.handed-to-station': '移交派出所',
  'incident.outcome.open': '仍在侦查',
} satisfies Record<string, string>;

export default terms;
