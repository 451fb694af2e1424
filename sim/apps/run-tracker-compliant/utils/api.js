const BASE = 'https://api.qingpao-run.example'

// One position of the current run, sent as the runner moves (the pace is computed on the server).
function sendPoint(runId, lat, lng) {
  wx.request({
    url: BASE + '/api/run/point',
    method: 'POST',
    data: { runId, lat, lng, at: Date.now() }
  })
}

module.exports = { sendPoint }
