"""Streamlit's floor: the least a Streamlit app does per change (one number box, one line of
text that echoes it), served by its own `streamlit run` and measured beside the app by
bench_app.py (a new number typed + Enter -> the echo repainted).

    streamlit run benchmarks/floor_app.py
"""

import streamlit as st

value = st.number_input("Number", value=0, step=1, key="seed")
st.markdown(f"Echo: {value}")
