import { lookupCountry } from '../click-enricher.js';
import type { Random } from './random.js';

/**
 * IPv4 addresses that the ingest's own GeoIP lookup places in a given country, so synthetic
 * visitors from "DE" are stored as DE. Built once per process from the GeoIP database by
 * probing every public /16 at two points (about 0.3 s): a block is kept for a country when
 * both probes land there. Addresses are then drawn inside a kept block and checked again,
 * because a /16 can be split between countries.
 */
export class CountryAddresses {
  private readonly blocks = new Map<string, number[]>();

  private constructor() {}

  static build(): CountryAddresses {
    const table = new CountryAddresses();
    for (let a = 1; a < 224; a++) {
      if (a === 10 || a === 100 || a === 127 || a === 169 || a === 172 || a === 192 || a === 198) continue; // private, shared and test ranges live here
      for (let b = 0; b < 256; b++) {
        const country = lookupCountry(`${a}.${b}.17.1`);
        if (country === null || lookupCountry(`${a}.${b}.200.1`) !== country) continue;
        let list = table.blocks.get(country);
        if (!list) table.blocks.set(country, (list = []));
        list.push((a << 8) | b);
      }
    }
    return table;
  }

  has(country: string): boolean {
    return country === '' || this.blocks.has(country);
  }

  /** An address in `country` ('' = a private address, which has no country). */
  address(country: string, random: Random): string {
    if (country === '') return `10.${random.int(256)}.${random.int(256)}.${1 + random.int(254)}`;
    const blocks = this.blocks.get(country);
    if (!blocks) throw new Error(`no address block known for country ${country}`);
    const block = blocks[random.int(blocks.length)]!;
    const prefix = `${block >>> 8}.${block & 0xff}`;
    for (let attempt = 0; attempt < 6; attempt++) {
      const ip = `${prefix}.${random.int(256)}.${1 + random.int(254)}`;
      if (lookupCountry(ip) === country) return ip;
    }
    return `${prefix}.17.1`; // probed when the table was built
  }
}
