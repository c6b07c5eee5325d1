const NY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** An instant as New York local "YYYY-MM-DD HH:MM:SS" (how FMP stamps news). */
export function newYorkStamp(at: Date | number): string {
  const p = Object.fromEntries(NY.formatToParts(new Date(at)).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** The instant of a New York local stamp (the earlier one in the repeated autumn hour). */
export function fromNewYorkStamp(stamp: string): Date {
  const asUtc = Date.parse(`${stamp.replace(' ', 'T')}Z`);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const shown = Date.parse(`${newYorkStamp(guess).replace(' ', 'T')}Z`);
    guess += asUtc - shown;
  }
  return new Date(guess);
}
