/**
 * IP addresses and CIDR blocks as numbers. An address is four unsigned 32-bit words (IPv4 uses the last word
 * only), so IPv4 and IPv6 share the code that masks, compares and tests containment.
 */

export interface Cidr {
  version: 4 | 6;
  /** Network address with host bits cleared: [w0, w1, w2, w3], most significant first; IPv4 in w3. */
  words: [number, number, number, number];
  /** Prefix length. */
  length: number;
}

/** Parses a dotted quad. Undefined when it is not one (wrong part count, non-digits, an octet above 255). */
export function parseIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      parts++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || parts !== 3) return undefined;
  return value * 256 + octet;
}

/** Parses an IPv6 address (with `::` and an optional dotted IPv4 tail) into eight 16-bit groups. */
export function parseIpv6Groups(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const doubleColon = text.indexOf('::');
  if (doubleColon >= 0 && text.indexOf('::', doubleColon + 1) >= 0) return undefined;
  const head = doubleColon >= 0 ? text.slice(0, doubleColon) : text;
  const tail = doubleColon >= 0 ? text.slice(doubleColon + 2) : '';
  const parseSide = (side: string, allowV4Tail: boolean): number[] | undefined => {
    if (side === '') return [];
    const parts = side.split(':');
    const groups: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (allowV4Tail && i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return undefined;
        groups.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      groups.push(parseInt(part, 16));
    }
    return groups;
  };
  const left = parseSide(head, doubleColon < 0);
  const right = parseSide(tail, true);
  if (left === undefined || right === undefined) return undefined;
  if (doubleColon >= 0) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return undefined;
    return [...left, ...new Array<number>(missing).fill(0), ...right];
  }
  return left.length === 8 ? left : undefined;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (two or more) of zero groups as `::`. */
export function formatIpv6Groups(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function maskWord(word: number, bits: number): number {
  if (bits >= 32) return word;
  if (bits <= 0) return 0;
  return (word & (~0 << (32 - bits))) >>> 0;
}

/** Clears the host bits of `words` for a prefix of `length` bits (of 128). */
export function maskWords(words: readonly number[], length: number): [number, number, number, number] {
  return [maskWord(words[0]!, length), maskWord(words[1]!, length - 32), maskWord(words[2]!, length - 64), maskWord(words[3]!, length - 96)];
}

/** `length` counted over the full 128 bits (an IPv4 /8 is a /104 of the IPv4 word layout). */
export function wideLength(cidr: Cidr): number {
  return cidr.version === 4 ? cidr.length + 96 : cidr.length;
}

/** `a.b.c.d` or `a.b.c.d/n` in one pass without allocating (the common case); undefined for anything else. */
function parseCidrV4(text: string): Cidr | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c === 47 /* / */) {
      break;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || dots !== 3) return undefined;
  value = value * 256 + octet;
  let length = 32;
  if (i < n) {
    length = 0;
    const start = ++i;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57 || i - start >= 3) return undefined;
      length = length * 10 + (c - 48);
    }
    if (i === start || length > 32) return undefined;
  }
  const network = length === 0 ? 0 : length === 32 ? value : (value & (~0 << (32 - length))) >>> 0;
  return { version: 4, words: [0, 0, 0, network], length };
}

/**
 * Parses `a.b.c.d`, `a.b.c.d/n`, IPv6 and IPv6`/n`, masking host bits. Undefined when it is not an address or the
 * prefix length is out of range.
 */
export function parseCidr(text: string): Cidr | undefined {
  const v4 = parseCidrV4(text);
  if (v4 !== undefined) return v4;
  const slash = text.indexOf('/');
  const address = slash >= 0 ? text.slice(0, slash) : text;
  const lengthText = slash >= 0 ? text.slice(slash + 1) : undefined;
  let version: 4 | 6;
  let words: [number, number, number, number];
  if (address.includes(':')) {
    const groups = parseIpv6Groups(address);
    if (groups === undefined) return undefined;
    version = 6;
    words = [
      groups[0]! * 65536 + groups[1]!,
      groups[2]! * 65536 + groups[3]!,
      groups[4]! * 65536 + groups[5]!,
      groups[6]! * 65536 + groups[7]!,
    ];
  } else {
    const v4 = parseIpv4(address);
    if (v4 === undefined) return undefined;
    version = 4;
    words = [0, 0, 0, v4];
  }
  const max = version === 4 ? 32 : 128;
  let length = max;
  if (lengthText !== undefined) {
    if (!/^\d{1,3}$/.test(lengthText)) return undefined;
    length = Number(lengthText);
    if (length > max) return undefined;
  }
  const wide = version === 4 ? length + 96 : length;
  return { version, words: maskWords(words, wide), length };
}

/** Canonical text: `a.b.c.d/n` or compressed IPv6 `x::/n` (the length is always written). */
export function formatCidr(cidr: Cidr): string {
  if (cidr.version === 4) {
    const w = cidr.words[3];
    return `${Math.floor(w / 16777216)}.${Math.floor(w / 65536) % 256}.${Math.floor(w / 256) % 256}.${w % 256}/${cidr.length}`;
  }
  const groups: number[] = [];
  for (const w of cidr.words) groups.push(Math.floor(w / 65536), w % 65536);
  return `${formatIpv6Groups(groups)}/${cidr.length}`;
}

/** `outer` contains `inner` (same version, shorter-or-equal prefix, same network under `outer`'s mask). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.version !== inner.version || outer.length > inner.length) return false;
  const wide = wideLength(outer);
  for (let w = 0; w < 4; w++) {
    if (maskWord(inner.words[w]!, wide - 32 * w) !== outer.words[w]) return false;
  }
  return true;
}

/** Orders by version, then network, then prefix length (shorter first), so a block precedes the blocks inside it. */
export function compareCidr(a: Cidr, b: Cidr): number {
  if (a.version !== b.version) return a.version - b.version;
  for (let i = 0; i < 4; i++) {
    const d = a.words[i]! - b.words[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const PRIVATE_TEXT = [
  '10.0.0.0/8', // RFC 1918
  '172.16.0.0/12', // RFC 1918
  '192.168.0.0/16', // RFC 1918
  '100.64.0.0/10', // RFC 6598 shared address space (carrier-grade NAT)
  '127.0.0.0/8', // loopback
  '169.254.0.0/16', // link-local (Azure's platform addresses live here)
  'fc00::/7', // IPv6 unique local
  'fe80::/10', // IPv6 link-local
  '::1/128', // IPv6 loopback
];

export const PRIVATE_RANGES: readonly Cidr[] = PRIVATE_TEXT.map((t) => parseCidr(t)!);

/** How a block relates to the private ranges: wholly inside one, wholly outside all, or straddling. */
export type CidrPurity = 'private' | 'public' | 'mixed';

export function cidrPurity(cidr: Cidr): CidrPurity {
  let overlaps = false;
  for (const range of PRIVATE_RANGES) {
    if (cidrContains(range, cidr)) return 'private';
    if (!overlaps && cidrContains(cidr, range)) overlaps = true;
  }
  return overlaps ? 'mixed' : 'public';
}
