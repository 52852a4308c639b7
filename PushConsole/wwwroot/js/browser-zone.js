// The browser's IANA time zone, the default for user-level times until the user picks one.
export function browserZone() {
    try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch {
        return null;
    }
}
