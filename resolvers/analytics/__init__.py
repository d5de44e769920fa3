"""Analytics (I1-I7, K4): rollups kept by the order flow, and the figures read from them."""
