/**
 * Who clicks, for synthetic traffic: countries weighted roughly like public web-traffic
 * statistics (a share of all clicks, per cent), each with its main UTC offset (visits follow
 * local daytime) and the Accept-Language headers its browsers send. Approximate on purpose:
 * the point is a realistic shape (a few big countries, a long tail), not a forecast.
 */

export interface Country {
  /** ISO 3166-1 alpha-2, as GeoIP reports it; '' = an address without a country (intranet, proxies). */
  code: string;
  share: number;
  utcOffset: number;
  /** Accept-Language headers and their weights. */
  languages: ReadonlyArray<readonly [header: string, weight: number]>;
}

const en = (region: string) => `en-${region},en;q=0.9`;
const local = (tag: string, lang: string) => `${tag},${lang};q=0.9,en-US;q=0.8,en;q=0.7`;

export const COUNTRIES: readonly Country[] = [
  { code: 'US', share: 27, utcOffset: -5, languages: [[en('US'), 85], ['es-US,es;q=0.9,en;q=0.8', 8], ['en-US', 7]] },
  { code: 'IN', share: 7, utcOffset: 5.5, languages: [[en('IN'), 60], [en('US'), 25], ['hi-IN,hi;q=0.9,en;q=0.8', 15]] },
  { code: 'DE', share: 6, utcOffset: 1, languages: [[local('de-DE', 'de'), 80], ['de', 10], [en('US'), 10]] },
  { code: 'GB', share: 5.5, utcOffset: 0, languages: [[en('GB'), 85], ['en-GB,en-US;q=0.9,en;q=0.8', 15]] },
  { code: 'BR', share: 4.5, utcOffset: -3, languages: [[local('pt-BR', 'pt'), 90], [en('US'), 10]] },
  { code: 'FR', share: 4, utcOffset: 1, languages: [[local('fr-FR', 'fr'), 90], ['fr', 10]] },
  { code: 'JP', share: 3.5, utcOffset: 9, languages: [['ja,en-US;q=0.9,en;q=0.8', 70], ['ja-JP', 30]] },
  { code: 'CA', share: 3, utcOffset: -5, languages: [[en('CA'), 65], ['fr-CA,fr;q=0.9,en;q=0.8', 20], [en('US'), 15]] },
  { code: 'ID', share: 2.5, utcOffset: 7, languages: [['id-ID,id;q=0.9,en-US;q=0.8', 70], [en('US'), 30]] },
  { code: 'MX', share: 2, utcOffset: -6, languages: [['es-MX,es;q=0.9,en;q=0.8', 90], ['es-419,es;q=0.9', 10]] },
  { code: 'IT', share: 2, utcOffset: 1, languages: [[local('it-IT', 'it'), 100]] },
  { code: 'ES', share: 2, utcOffset: 1, languages: [['es-ES,es;q=0.9,en;q=0.8', 85], ['ca-ES,ca;q=0.9,es;q=0.8', 15]] },
  { code: 'NL', share: 1.8, utcOffset: 1, languages: [[local('nl-NL', 'nl'), 70], [en('US'), 30]] },
  { code: 'AU', share: 1.6, utcOffset: 10, languages: [[en('AU'), 100]] },
  { code: 'RU', share: 1.5, utcOffset: 3, languages: [[local('ru-RU', 'ru'), 100]] },
  { code: 'PL', share: 1.4, utcOffset: 1, languages: [[local('pl-PL', 'pl'), 100]] },
  { code: 'TR', share: 1.3, utcOffset: 3, languages: [[local('tr-TR', 'tr'), 100]] },
  { code: 'KR', share: 1.2, utcOffset: 9, languages: [[local('ko-KR', 'ko'), 100]] },
  { code: 'PH', share: 1.1, utcOffset: 8, languages: [[en('US'), 70], ['fil-PH,fil;q=0.9,en;q=0.8', 30]] },
  { code: 'VN', share: 1, utcOffset: 7, languages: [[local('vi-VN', 'vi'), 100]] },
  { code: 'NG', share: 0.9, utcOffset: 1, languages: [[en('NG'), 60], [en('US'), 40]] },
  { code: 'SE', share: 0.8, utcOffset: 1, languages: [[local('sv-SE', 'sv'), 100]] },
  { code: 'AR', share: 0.8, utcOffset: -3, languages: [['es-AR,es;q=0.9,en;q=0.8', 100]] },
  { code: 'CO', share: 0.7, utcOffset: -5, languages: [['es-CO,es;q=0.9', 100]] },
  { code: 'ZA', share: 0.7, utcOffset: 2, languages: [[en('ZA'), 100]] },
  { code: 'EG', share: 0.6, utcOffset: 2, languages: [[local('ar-EG', 'ar'), 70], [en('US'), 30]] },
  { code: 'PK', share: 0.6, utcOffset: 5, languages: [[en('US'), 60], ['ur-PK,ur;q=0.9,en;q=0.8', 40]] },
  { code: 'UA', share: 0.5, utcOffset: 2, languages: [['uk-UA,uk;q=0.9,ru;q=0.8,en;q=0.7', 100]] },
  { code: 'TH', share: 0.5, utcOffset: 7, languages: [['th-TH,th;q=0.9,en;q=0.8', 100]] },
  { code: 'BD', share: 0.5, utcOffset: 6, languages: [['bn-BD,bn;q=0.9,en-US;q=0.8', 50], [en('US'), 50]] },
  { code: 'CH', share: 0.5, utcOffset: 1, languages: [['de-CH,de;q=0.9,fr-CH;q=0.8,en;q=0.7', 70], ['fr-CH,fr;q=0.9,en;q=0.8', 30]] },
  { code: 'BE', share: 0.5, utcOffset: 1, languages: [['nl-BE,nl;q=0.9,fr-BE;q=0.8,en;q=0.6', 55], ['fr-BE,fr;q=0.9,en;q=0.8', 45]] },
  { code: 'AT', share: 0.4, utcOffset: 1, languages: [['de-AT,de;q=0.9,en;q=0.8', 100]] },
  { code: 'SG', share: 0.4, utcOffset: 8, languages: [['en-SG,en;q=0.9,zh-CN;q=0.8', 100]] },
  { code: 'IL', share: 0.4, utcOffset: 2, languages: [[local('he-IL', 'he'), 100]] },
  { code: 'SA', share: 0.4, utcOffset: 3, languages: [['ar-SA,ar;q=0.9,en;q=0.8', 100]] },
  { code: 'MY', share: 0.4, utcOffset: 8, languages: [['en-MY,en;q=0.9,ms;q=0.8', 100]] },
  { code: 'PT', share: 0.4, utcOffset: 0, languages: [['pt-PT,pt;q=0.9,en;q=0.8', 100]] },
  { code: 'CZ', share: 0.3, utcOffset: 1, languages: [['cs-CZ,cs;q=0.9,en;q=0.8', 100]] },
  { code: 'IE', share: 0.3, utcOffset: 0, languages: [[en('IE'), 100]] },
  { code: 'DK', share: 0.3, utcOffset: 1, languages: [['da-DK,da;q=0.9,en;q=0.8', 100]] },
  { code: 'NO', share: 0.3, utcOffset: 1, languages: [['nb-NO,nb;q=0.9,no;q=0.8,en;q=0.7', 100]] },
  { code: 'FI', share: 0.3, utcOffset: 2, languages: [['fi-FI,fi;q=0.9,en;q=0.8', 100]] },
  { code: 'NZ', share: 0.2, utcOffset: 12, languages: [[en('NZ'), 100]] },
  { code: '', share: 0.5, utcOffset: 0, languages: [[en('US'), 60], ['', 40]] },
];

/**
 * Relative visits per local hour of the day (0 = midnight to 1 am): a night trough, a morning
 * rise, a long plateau and an evening peak, as in typical consumer web traffic.
 */
export const LOCAL_HOUR_ACTIVITY: readonly number[] = [
  3.0, 1.8, 1.2, 0.9, 0.8, 1.0, 1.8, 3.2, 4.6, 5.4, 5.8, 6.0, 6.2, 6.0, 5.9, 5.8, 5.7, 5.8, 6.0, 6.3, 6.6, 6.4, 5.4, 4.2,
];

/** Relative visits per UTC weekday (0 = Sunday): weekends are quieter. */
export const WEEKDAY_ACTIVITY: readonly number[] = [0.85, 1, 1.02, 1.02, 1, 0.97, 0.82];

/** Activity of a country at a UTC hour of the day, from its local hour. */
export function activityAt(country: Country, utcHour: number): number {
  const localHour = Math.floor((((utcHour + country.utcOffset) % 24) + 24) % 24);
  return LOCAL_HOUR_ACTIVITY[localHour]!;
}
