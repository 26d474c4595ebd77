// On a narrow screen, closes the sidebar when data.settings differ from the ones seen last
// (cnnlab/ui/phone.py); data.narrow: the width in px below which Streamlit's sidebar covers the page.

export default function ({ data }) {
  if (!data) return;
  const seen = window.__cnnlabSettings;
  window.__cnnlabSettings = data.settings;
  if (seen === undefined || seen === data.settings || window.innerWidth >= data.narrow) return;
  const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (close && sidebar && sidebar.dataset.collapsed === 'false') close.click();
}
