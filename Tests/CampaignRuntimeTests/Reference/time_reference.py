#!/usr/bin/env python3
"""Reference answers for campaign time rules, written from LANGUAGE.md ("What the runtime does", Time),
independently of the Swift implementation. Standard library only (Python 3.11 zoneinfo).

Reads on stdin:  {"cron": [{"expr", "zone", "after", "count"}], "wait": [{"zone", "now", "days", "from", "to"}]}
Writes on stdout: {"cron": [["invalid"] | [t1, t2, ...]], "wait": [t, ...]}  (instants in whole seconds since 1970 UTC)

See README.md beside this file for the rules.
"""
import json
import sys
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UTC = timezone.utc
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
SEARCH_YEARS = 50


# ---- local wall-clock time -> instants, with zoneinfo's fold ----

def timestamp(naive, zone, fold):
    return int(naive.replace(tzinfo=zone, fold=fold).timestamp())


def wall(instant, zone):
    return datetime.fromtimestamp(instant, zone).replace(tzinfo=None)


def exists(naive, zone):
    """Whether the local time happens at all (a spring-forward gap skips it)."""
    return wall(timestamp(naive, zone, 0), zone) == naive


def gap_end(naive, zone):
    """The instant the clock jumps over the gap holding `naive`: the first instant after the gap."""
    # In a gap, fold=1 reads with the offset after the jump (an instant before it), fold=0 with the offset
    # before (an instant after it).
    low, high = timestamp(naive, zone, 1), timestamp(naive, zone, 0)
    low_offset = datetime.fromtimestamp(low, zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == low_offset:
            low = middle
        else:
            high = middle
    return high


def passes(naive, zone):
    """The instants at which the local time occurs: one, or two in a fall-back overlap, or none in a gap."""
    if not exists(naive, zone):
        return []
    first, second = timestamp(naive, zone, 0), timestamp(naive, zone, 1)
    return sorted({first, second})


def campaign_weekday(day):
    """1 Sunday ... 7 Saturday."""
    return day.isoweekday() % 7 + 1


# ---- cron, as cronie ----

class Invalid(Exception):
    pass


def parse_field(text, low, high, names, name_base):
    values = set()
    for item in text.split(","):
        if item.count("/") > 1:
            raise Invalid(item)
        base, _, step_text = item.partition("/")
        step = 1
        if "/" in item:
            if not step_text.isdigit() or int(step_text) == 0:
                raise Invalid(item)
            step = int(step_text)

        def value(word):
            if word.isdigit():
                number = int(word)
            elif word.lower() in names:
                number = names.index(word.lower()) + name_base
            else:
                raise Invalid(word)
            if not low <= number <= high:
                raise Invalid(word)
            return number

        if base == "*":
            first, last = low, high
        elif "-" in base:
            parts = base.split("-")
            if len(parts) != 2:
                raise Invalid(base)
            first, last = value(parts[0]), value(parts[1])
            if first > last:
                raise Invalid(base)
        else:
            first = value(base)
            last = high if "/" in item else first
        values.update(range(first, last + 1, step))
    return values


class Cron:
    def __init__(self, text):
        fields = text.split()
        if len(fields) != 5:
            raise Invalid(text)
        self.minutes = sorted(parse_field(fields[0], 0, 59, [], 0))
        self.hours = sorted(parse_field(fields[1], 0, 23, [], 0))
        self.days = parse_field(fields[2], 1, 31, [], 0)
        self.months = parse_field(fields[3], 1, 12, MONTHS, 1)
        self.weekdays = {day % 7 for day in parse_field(fields[4], 0, 7, DAYS, 0)}
        # cronie: a day field is restricted when it does not start with '*'.
        self.days_restricted = not fields[2].startswith("*")
        self.weekdays_restricted = not fields[4].startswith("*")
        # A fixed-time entry has no '*' in its minute or hour field; the others run on elapsed time.
        self.fixed = "*" not in fields[0] and "*" not in fields[1]
        if not (self.days_restricted and self.weekdays_restricted):
            longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
            if not any(day <= longest[month] for month in self.months for day in self.days):
                raise Invalid("never fires")

    def day_matches(self, day):
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = day.isoweekday() % 7 in self.weekdays
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday
        return by_day and by_weekday

    def firings(self, day, zone):
        """Every instant at which the entry fires for the local day `day`."""
        result = []
        for hour in self.hours:
            for minute in self.minutes:
                naive = datetime.combine(day, time(hour, minute))
                occurrences = passes(naive, zone)
                if not occurrences:
                    if self.fixed:
                        result.append(gap_end(naive, zone))  # skipped slot: once, when the gap ends
                elif self.fixed:
                    result.append(occurrences[0])  # repeated slot: once, in the first pass
                else:
                    result.extend(occurrences)  # elapsed time: every pass
        return result

    def steady(self, day, zone):
        """Whether the zone keeps one offset through the day and its neighbours."""
        probes = [datetime.combine(day + timedelta(days=delta), time(12)) for delta in (-1, 0, 1)]
        offsets = {probe.replace(tzinfo=zone, fold=fold).utcoffset() for probe in probes for fold in (0, 1)}
        return len(offsets) == 1

    def next(self, after, zone):
        day = wall(after, zone).date() - timedelta(days=1)
        last = day + timedelta(days=366 * SEARCH_YEARS)
        best = None
        best_day = None
        while day <= last:
            if best_day is not None and day > best_day + timedelta(days=1):
                break
            if day.month not in self.months:
                # jump to the first of next month
                day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
                continue
            if self.day_matches(day):
                if self.steady(day, zone):
                    offset = int(datetime.combine(day, time(12)).replace(tzinfo=zone).utcoffset().total_seconds())
                    midnight = int(datetime.combine(day, time(0)).replace(tzinfo=UTC).timestamp())
                    candidates = [midnight + hour * 3600 + minute * 60 - offset
                                  for hour in self.hours for minute in self.minutes]
                else:
                    candidates = self.firings(day, zone)
                later = [instant for instant in candidates if instant > after]
                if later:
                    best = min(later) if best is None else min(best, min(later))
                    if best_day is None:
                        best_day = day
            day += timedelta(days=1)
        return best


def cron_case(case):
    zone = ZoneInfo(case["zone"])
    try:
        cron = Cron(case["expr"])
    except Invalid:
        return ["invalid"]
    answers = []
    instant = case["after"]
    for _ in range(case["count"]):
        instant = cron.next(instant, zone)
        answers.append(instant)
        if instant is None:
            break
    return answers


# ---- wait_until ----

def wait_case(case):
    zone = ZoneInfo(case["zone"])
    now, days, start, end = case["now"], set(case["days"]), case["from"], case["to"]
    local = wall(now, zone)
    if end is not None:
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        if campaign_weekday(local.date()) in days and start * 60 <= seconds < end * 60:
            return now
    best = None
    for delta in range(-1, 9):
        day = local.date() + timedelta(days=delta)
        if campaign_weekday(day) not in days:
            continue
        naive = datetime.combine(day, time(start // 60, start % 60))
        # Every pass of the local time; a time in a gap is read with the offset before the gap (fold=0).
        candidates = passes(naive, zone) or [timestamp(naive, zone, 0)]
        for instant in candidates:
            if instant >= now and (best is None or instant < best):
                best = instant
    return best if best is not None else now + 7 * 86400


def main():
    cases = json.load(sys.stdin)
    json.dump({"cron": [cron_case(case) for case in cases.get("cron", [])],
               "wait": [wait_case(case) for case in cases.get("wait", [])]}, sys.stdout)


if __name__ == "__main__":
    main()
