// 自建统计：只记录页面事件，不采集设备信息和位置；用户同意隐私政策后才初始化
const ENDPOINT = 'https://api.kuaixun-news.example/api/stat'

let appKey = ''

function init(options) {
  appKey = options.appKey
  send('app_launch', {})
}

function send(event, payload) {
  if (!appKey) return
  wx.request({
    url: ENDPOINT,
    method: 'POST',
    data: Object.assign({ ak: appKey, ev: event }, payload)
  })
}

function track(event, data) {
  send(event, data || {})
}

module.exports = { init, track }
