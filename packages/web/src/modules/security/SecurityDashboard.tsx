export function SecurityDashboard() {
  return null;
}
