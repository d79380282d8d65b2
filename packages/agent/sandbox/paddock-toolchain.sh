# Bound read-only at /etc/profile.d/ in every workspace by the agent's local runtime:
# /etc/profile resets PATH for login shells, so the AI tools are put back in front here.
case ":$PATH:" in
  *:/opt/paddock/bin:*) ;;
  *) PATH="/opt/paddock/bin:$PATH" ;;
esac
export PATH
