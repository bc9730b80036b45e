// Read the GPS position a camera wrote into a JPEG's EXIF block, in the browser, so the
// report page can put the map pin where the photo was taken. No dependencies: the APP1
// segment is walked with a DataView, in either byte order ("II" little, "MM" big endian).
// Anything malformed, or a photo without a position, gives null; nothing is thrown.

const SCAN_BYTES = 256 * 1024; // EXIF sits in the first segments; one APP1 is at most 64 KB
const TAG_GPS_IFD = 0x8825;
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

function ifdEntries(view, tiff, offset, little) {
  const entries = new Map();
  const start = tiff + offset;
  if (offset < 8 || start + 2 > view.byteLength) return entries;
  const count = view.getUint16(start, little);
  for (let i = 0; i < count; i++) {
    const at = start + 2 + i * 12;
    if (at + 12 > view.byteLength) break;
    const type = view.getUint16(at + 2, little);
    const n = view.getUint32(at + 4, little);
    const size = (TYPE_SIZES[type] || 0) * n;
    if (!size) continue;
    // Values of 4 bytes or fewer sit in the entry itself; longer ones at an offset.
    const valueAt = size <= 4 ? at + 8 : tiff + view.getUint32(at + 8, little);
    if (valueAt + size > view.byteLength) continue;
    entries.set(view.getUint16(at, little), { type, n, valueAt });
  }
  return entries;
}

function rationals(view, entry, little) {
  if (!entry || (entry.type !== 5 && entry.type !== 10) || entry.n < 3) return null;
  const values = [];
  for (let i = 0; i < 3; i++) {
    const at = entry.valueAt + i * 8;
    const signed = entry.type === 10;
    const num = signed ? view.getInt32(at, little) : view.getUint32(at, little);
    const den = signed ? view.getInt32(at + 4, little) : view.getUint32(at + 4, little);
    if (den === 0) return null;
    values.push(num / den);
  }
  return values;
}

function ref(view, entry) {
  if (!entry || entry.type !== 2) return "";
  return String.fromCharCode(view.getUint8(entry.valueAt)).toUpperCase();
}

function coordinate(view, value, direction, little) {
  const dms = rationals(view, value, little);
  if (!dms) return null;
  const degrees = dms[0] + dms[1] / 60 + dms[2] / 3600;
  if (!Number.isFinite(degrees)) return null;
  const sign = ref(view, direction);
  return sign === "S" || sign === "W" ? -degrees : degrees;
}

function gpsFromTiff(view, tiff) {
  if (tiff + 8 > view.byteLength) return null;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  if (view.getUint16(tiff + 2, little) !== 42) return null;
  const ifd0 = ifdEntries(view, tiff, view.getUint32(tiff + 4, little), little);
  const pointer = ifd0.get(TAG_GPS_IFD);
  if (!pointer || (pointer.type !== 4 && pointer.type !== 13)) return null;
  const gps = ifdEntries(view, tiff, view.getUint32(pointer.valueAt, little), little);
  const lat = coordinate(view, gps.get(2), gps.get(1), little);
  const lon = coordinate(view, gps.get(4), gps.get(3), little);
  if (lat === null || lon === null) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}

/** The GPS position in a JPEG's EXIF data: from the bytes of a JPEG (an ArrayBuffer). */
export function exifGpsFromBuffer(buffer) {
  const view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    const marker = view.getUint16(offset);
    if ((marker & 0xff00) !== 0xff00) return null;
    if (marker === 0xffff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xffda || marker === 0xffd9) return null; // image data: no EXIF before it
    const length = view.getUint16(offset + 2);
    if (length < 2) return null;
    const body = offset + 4;
    if (
      marker === 0xffe1 &&
      body + 6 <= view.byteLength &&
      view.getUint32(body) === 0x45786966 && // "Exif"
      view.getUint16(body + 4) === 0
    ) {
      const found = gpsFromTiff(view, body + 6);
      if (found) return found;
    }
    offset += 2 + length;
  }
  return null;
}

/** Promise of {lat, lon} (WGS-84 degrees, as the camera wrote them) or null. */
export async function readExifGps(file) {
  try {
    const buffer = await file.slice(0, SCAN_BYTES).arrayBuffer();
    return exifGpsFromBuffer(buffer);
  } catch (error) {
    return null;
  }
}

export default readExifGps;
