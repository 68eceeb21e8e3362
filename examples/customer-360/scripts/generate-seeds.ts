// Writes the demo's raw data as seed CSVs: 500 customers, 1,000 transactions, 300 support tickets. Deterministic
// (a fixed-seed PRNG), so the files in git are what this script writes. Run: node scripts/generate-seeds.ts
import { writeFileSync } from "node:fs"
import { join } from "node:path"

// mulberry32: a small, well-known 32-bit PRNG; good enough for demo data and identical on every machine.
let state = 360
const random = (): number => {
  state = (state + 0x6d2b79f5) | 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(random() * xs.length)] as T
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
const day = (start: string, spanDays: number) => {
  const d = new Date(`${start}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + int(0, spanDays))
  return d.toISOString().slice(0, 10)
}
const time = (date: string) =>
  `${date} ${String(int(0, 23)).padStart(2, "0")}:${String(int(0, 59)).padStart(2, "0")}:00`

const FIRST = [
  "Ada",
  "Grace",
  "Linus",
  "Margaret",
  "Alan",
  "Barbara",
  "Dennis",
  "Frances",
  "Ken",
  "Radia",
  "Edsger",
  "Hedy",
]
const LAST = [
  "Lovelace",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Turing",
  "Liskov",
  "Ritchie",
  "Allen",
  "Thompson",
  "Perlman",
]
const COUNTRIES = ["GB", "US", "DE", "FR", "FI", "NL", "ES", "IT"]

const out = join(import.meta.dirname, "..", "seeds")
const customers = ["customer_id,first_name,last_name,email,country,signup_date"]
for (let i = 1; i <= 500; i++) {
  const first = pick(FIRST)
  const last = pick(LAST)
  // A few messy emails (upper case, padding) for the silver layer to clean.
  const email = `${first}.${last}${i}@example.com`
  customers.push(
    `${i},${first},${last},${random() < 0.1 ? ` ${email.toUpperCase()} ` : email.toLowerCase()},${pick(COUNTRIES)},${day("2022-01-01", 700)}`,
  )
}
const transactions = ["transaction_id,customer_id,amount,currency,status,transacted_at"]
for (let i = 1; i <= 1000; i++) {
  transactions.push(
    `${i},${int(1, 500)},${(int(100, 50000) / 100).toFixed(2)},${pick(["GBP", "EUR", "USD"])},${pick(["completed", "completed", "completed", "refunded", "pending"])},${time(day("2024-01-01", 300))}`,
  )
}
const tickets = ["ticket_id,customer_id,priority,status,opened_at,closed_at"]
for (let i = 1; i <= 300; i++) {
  const opened = day("2024-02-01", 280)
  const open = random() < 0.25
  tickets.push(
    `${i},${int(1, 500)},${pick(["low", "medium", "high"])},${open ? "open" : "closed"},${time(opened)},${open ? "" : time(opened)}`,
  )
}
writeFileSync(join(out, "raw_customers.csv"), `${customers.join("\n")}\n`)
writeFileSync(join(out, "raw_transactions.csv"), `${transactions.join("\n")}\n`)
writeFileSync(join(out, "raw_support_tickets.csv"), `${tickets.join("\n")}\n`)
console.log("wrote seeds: 500 customers, 1000 transactions, 300 tickets")
