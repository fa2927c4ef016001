//! The domain's words in English; exactly the keys of terms.zh-CN.ts.

import type terms from './terms.zh-CN';

const en: Record<keyof typeof terms, string> = {
  'patrol.mode.foot': 'Foot',
  'patrol.mode.car': 'Car',
  'patrol.mode.motorcycle': 'Motorcycle',
  'patrol.mode.e-bike': 'E-bike',
  'patrol.mode.bicycle': 'Bicycle',
  'volunteer.category.patrol-team': 'Patrol team',
  'volunteer.category.red-vest': 'Red armband/vest',
  'volunteer.category.community-cadre': 'Community cadre',
  'volunteer.category.grid-worker': 'Grid worker',
  'volunteer.category.property-staff': 'Property staff',
  'volunteer.category.security-guard': 'Security guard',
  'violation.type.drunk-driving': 'Drunk driving',
  'violation.type.no-helmet': 'No helmet',
  'violation.type.illegal-passenger': 'Illegal passenger',
  'violation.type.umbrella-rig': 'Umbrella rig',
  'violation.type.red-light': 'Red light',
  'violation.type.illegal-parking': 'Illegal parking',
  'violation.type.jaywalking': 'Jaywalking',
  'violation.type.other-traffic': 'Other traffic',
  'lost.outcome.reunited-with-family': 'Reunited with family',
  'lost.outcome.handed-to-station': 'Handed to station',
  'lost.outcome.escorted-home': 'Escorted home',
  'lost.outcome.ongoing': 'Ongoing',
  'accident.outcome.cars-moved': 'Cars moved',
  'accident.outcome.insurance-advised': 'Insurance advised',
  'accident.outcome.settled-on-site': 'Settled on site',
  'accident.outcome.referred-to-traffic-unit': 'Referred to traffic unit',
  'accident.outcome.ambulance-called': 'Ambulance called',
  'incident.kind.theft': 'Theft',
  'incident.kind.other': 'Other',
  'incident.outcome.suspect-caught': 'Suspect caught',
  'incident.outcome.property-recovered': 'Property recovered',
  'incident.outcome.handed-to-station': 'Handed to station',
  'incident.outcome.open': 'Open',
};

export default en;
