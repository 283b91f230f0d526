// Pick files from a chat, upload them with the queue, show each task with pause/resume/cancel.
const COS = require('../../cos-wasm/index.js');
const config = require('../../config.js');

function createCos() {
  const options = { FileParallelLimit: 3, ChunkParallelLimit: 3, ProgressInterval: 300 };
  if (config.Domain) options.Domain = config.Domain;
  if (config.Protocol) options.Protocol = config.Protocol;
  if (config.StsUrl) {
    options.getAuthorization = (opts, callback) => {
      wx.request({
        url: config.StsUrl,
        dataType: 'json',
        success(res) {
          const d = res.data || {};
          const c = d.credentials || d;
          callback({
            TmpSecretId: c.tmpSecretId || c.TmpSecretId,
            TmpSecretKey: c.tmpSecretKey || c.TmpSecretKey,
            SecurityToken: c.sessionToken || c.SecurityToken,
            StartTime: d.startTime || d.StartTime,
            ExpiredTime: d.expiredTime || d.ExpiredTime,
          });
        },
        fail(err) {
          callback({ error: err.errMsg });
        },
      });
    };
  } else {
    options.SecretId = config.SecretId;
    options.SecretKey = config.SecretKey;
  }
  return new COS(options);
}

function formatSize(n) {
  if (!(n >= 0)) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

const LABELS = {
  waiting: '等待中', checking: '校验中', uploading: '上传中', paused: '已暂停',
  success: '已完成', error: '失败', canceled: '已取消',
};

Page({
  data: {
    configured: !!(config.StsUrl || (config.SecretId && config.SecretKey)),
    tasks: [],
    message: '',
  },

  onLoad() {
    this.cos = createCos();
    this.pending = null;
    // The queue reports every change; setData is costly, so the list is redrawn at most every 200 ms.
    this.onList = ({ list }) => {
      this.pending = list;
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.render(this.pending);
      }, 200);
    };
    this.cos.on('list-update', this.onList);
  },

  onUnload() {
    if (this.cos) this.cos.off('list-update', this.onList);
    if (this.timer) clearTimeout(this.timer);
  },

  render(list) {
    this.setData({
      tasks: list.map((t) => ({
        id: t.id,
        key: t.Key,
        state: t.state,
        label: LABELS[t.state] || t.state,
        percent: Math.floor((t.percent || 0) * 100),
        size: formatSize(t.size),
        speed: t.state === 'uploading' ? formatSize(t.speed) + '/s' : '',
        error: t.error ? String(t.error.message || t.error) : '',
        canPause: t.state === 'waiting' || t.state === 'checking' || t.state === 'uploading',
        canResume: t.state === 'paused' || t.state === 'error',
        canCancel: t.state !== 'success' && t.state !== 'canceled',
      })),
    });
  },

  choose() {
    wx.chooseMessageFile({
      count: 10,
      type: 'all',
      success: (res) => this.upload(res.tempFiles),
      fail: (err) => {
        if (!/cancel/.test(err.errMsg)) this.setData({ message: err.errMsg });
      },
    });
  },

  upload(files) {
    const list = files.map((f) => ({
      Bucket: config.Bucket,
      Region: config.Region,
      Key: config.Prefix + f.name,
      FilePath: f.path,
    }));
    this.setData({ message: '' });
    return this.cos.uploadFiles({
      files: list,
      SliceSize: 1024 * 1024,
      onFileFinish: (err, data, options) => {
        if (err && err.code !== 'TaskCanceled') wx.showToast({ title: options.Key + ' 上传失败', icon: 'none' });
      },
    }).then((data) => {
      const ok = data.files.filter((f) => !f.error).length;
      this.setData({ message: ok + ' / ' + data.files.length + ' 个文件已上传' });
      return data;
    }, (err) => {
      this.setData({ message: String(err.message || err) });
    });
  },

  pause(e) {
    this.cos.pauseTask(e.currentTarget.dataset.id);
  },

  resume(e) {
    this.cos.restartTask(e.currentTarget.dataset.id);
  },

  cancel(e) {
    this.cos.cancelTask(e.currentTarget.dataset.id);
  },
});
